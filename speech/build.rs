//! Links PocketSphinx through pkg-config when it is installed. Without it the
//! crate still builds, and `Engine::open` reports that recognition was not
//! built in, so the service runs (without speech tagging) on a machine that
//! lacks the library.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(has_pocketsphinx)");
    match pkg_config::Config::new()
        .atleast_version("0.8")
        .probe("pocketsphinx")
    {
        Ok(_) => println!("cargo::rustc-cfg=has_pocketsphinx"),
        Err(e) => println!(
            "cargo::warning=PocketSphinx not found ({e}); building without speech recognition. Install libpocketsphinx-dev and pocketsphinx-en-us to enable it."
        ),
    }
}
