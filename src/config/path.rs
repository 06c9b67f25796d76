//! Which file `-c` names, and the configuration name derived from a path
//! (surface.md §1.1). Pure string rules; reading the file is the caller's job.

/// Default configuration file.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/booth/booth.conf";
/// Directory for `-c NAME` without a `/`.
pub const CONFIG_DIR: &str = "/etc/booth/";
/// Extension appended to `-c NAME` when NAME has no `.`.
pub const CONFIG_EXT: &str = ".conf";
/// Longest `-c` argument containing a `/` (PATH_MAX - 1).
pub const MAX_CONFIG_PATH_LEN: usize = 4095;
/// Longest `-c` argument without a `/` (4096 - len("/etc/booth/") - len(".conf") - 1).
pub const MAX_CONFIG_NAME_LEN: usize = 4079;
/// Config names must be shorter than this (`BOOTH_NAME_LEN`).
pub const MAX_NAME_LEN: usize = 64;

/// `-c` argument too long; `Display` is C's stderr line (exit 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigArgTooLong {
    /// The argument.
    pub arg: String,
    /// True when the argument contains a `/`.
    pub is_path: bool,
}

impl std::fmt::Display for ConfigArgTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_path {
            write!(
                f,
                "'{}' exceeds maximum config file length of {MAX_CONFIG_PATH_LEN}",
                self.arg
            )
        } else {
            write!(
                f,
                "'{}' exceeds maximum config name length of {MAX_CONFIG_NAME_LEN}",
                self.arg
            )
        }
    }
}

impl std::error::Error for ConfigArgTooLong {}

/// The file `-c ARG` names: ARG itself if it contains a `/`, else
/// `/etc/booth/ARG`, plus `.conf` only if ARG contains no `.` at all.
///
/// # Errors
/// [`ConfigArgTooLong`] past C's buffer limits.
pub fn config_path(arg: &str) -> Result<String, ConfigArgTooLong> {
    let is_path = arg.contains('/');
    let max = if is_path {
        MAX_CONFIG_PATH_LEN
    } else {
        MAX_CONFIG_NAME_LEN
    };
    if arg.len() >= max {
        return Err(ConfigArgTooLong {
            arg: arg.to_owned(),
            is_path,
        });
    }
    if is_path {
        return Ok(arg.to_owned());
    }
    let ext = if arg.contains('.') { "" } else { CONFIG_EXT };
    Ok(format!("{CONFIG_DIR}{arg}{ext}"))
}

/// Config name derived from a path: basename without everything from its last `.`.
/// `None` when that is 64 bytes or longer (C: `booth config file name too long`).
#[must_use]
pub fn name_from_path(path: &str) -> Option<String> {
    let base = path.rsplit_once('/').map_or(path, |(_, b)| b);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    (stem.len() < MAX_NAME_LEN).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_c_rules() {
        assert_eq!(config_path("booth").unwrap(), "/etc/booth/booth.conf");
        assert_eq!(config_path("my.cfg").unwrap(), "/etc/booth/my.cfg");
        assert_eq!(config_path("a.b").unwrap(), "/etc/booth/a.b");
        assert_eq!(config_path("./x").unwrap(), "./x");
        let long = "a".repeat(4079);
        assert_eq!(
            config_path(&long).unwrap_err().to_string(),
            format!("'{long}' exceeds maximum config name length of 4079")
        );
        assert!(config_path(&"a".repeat(4078)).is_ok());
        let p = format!("/{}", "a".repeat(4094));
        assert!(config_path(&p)
            .unwrap_err()
            .to_string()
            .ends_with("config file length of 4095"));
    }

    #[test]
    fn derived_names() {
        assert_eq!(
            name_from_path("/etc/booth/my.site.conf").as_deref(),
            Some("my.site")
        );
        assert_eq!(name_from_path("/tmp/x").as_deref(), Some("x"));
        assert_eq!(name_from_path("booth.conf").as_deref(), Some("booth"));
        assert_eq!(name_from_path("/a.b/c").as_deref(), Some("c"));
        assert_eq!(
            name_from_path(&format!("/{}.conf", "n".repeat(63))).map(|n| n.len()),
            Some(63)
        );
        assert_eq!(name_from_path(&format!("/{}.conf", "n".repeat(64))), None);
    }
}
