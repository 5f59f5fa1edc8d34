//! The command line's `--listen` and `--data-dir` in place of the config
//! file's, checked by the same rules as the file, with errors that name
//! the option. Does not own: parsing the options (`crate::cli`) or the
//! rules themselves (`validate`).

use std::net::SocketAddr;
use std::path::Path;

use super::{Config, ConfigError};

impl Config {
    /// The configuration with the command line's `--listen` and
    /// `--data-dir` in place of the file's, checked the way the file is
    /// (a wildcard `listen` needs `media_address`, the RTP range must not
    /// hold the SIP port, ...). An error names the option that broke it.
    pub fn with_overrides(
        mut self,
        listen: Option<SocketAddr>,
        data_dir: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        if listen.is_none() && data_dir.is_none() {
            return Ok(self);
        }
        if let Some(listen) = listen {
            self.service.listen = listen;
        }
        if let Some(dir) = data_dir {
            self.service.data_dir = dir.to_path_buf();
        }
        let Err(problem) = self.validate() else {
            return Ok(self);
        };
        let key = problem.key.to_string();
        // The file was valid before the overrides: one of them broke it.
        let (option, value) = match listen {
            Some(addr) if data_dir.is_none() || !key.starts_with("service.data_dir") => {
                ("--listen", addr.to_string())
            }
            _ => (
                "--data-dir",
                format!(
                    "{:?}",
                    data_dir.unwrap_or(Path::new("")).display().to_string()
                ),
            ),
        };
        let mut message = problem.message;
        if key == "service.media_address" && option == "--listen" {
            message.push_str(": give [service] media_address in a config file (--config FILE)");
        }
        Err(ConfigError::Override {
            option,
            value,
            key,
            message,
        })
    }
}
