//! A build without PocketSphinx keeps the same API and says what to
//! install. (In a build with it, this checks the flag agrees.)

use speech::{Config, Engine, Error};

#[test]
fn open_says_what_is_missing() {
    let built_in = Engine::BUILT_IN;
    match Engine::open(&Config::default()) {
        Err(Error::NotBuiltIn) => {
            assert!(!built_in);
            let message = Error::NotBuiltIn.to_string();
            assert!(message.contains("libpocketsphinx-dev"), "{message}");
            assert!(message.contains("pocketsphinx-en-us"), "{message}");
            assert!(message.contains("rebuild"), "{message}");
        }
        Ok(_) => assert!(built_in),
        Err(other) => assert!(built_in, "{other}"),
    }
}
