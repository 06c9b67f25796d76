//! Reading the authentication key file (wire.md §4.2, surface.md §1.9): the only file I/O
//! of authentication.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::auth::{self, AuthError, AuthKey, MAX_KEY_LEN};

/// A key file that cannot be used; every variant names the file.
#[derive(Debug)]
pub enum KeyFileError {
    /// `cannot open <file>: <strerror>`
    Open { path: PathBuf, err: io::Error },
    /// `cannot stat authentication file <file>: <strerror>`
    Stat { path: PathBuf, err: io::Error },
    /// `cannot read authentication file <file>: <strerror>`
    Read { path: PathBuf, err: io::Error },
    /// Mode or key content refused by `auth` (readable by others, too short).
    Key { path: PathBuf, err: AuthError },
}

impl fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open { path, err } => write!(f, "cannot open {}: {err}", path.display()),
            Self::Stat { path, err } => {
                write!(
                    f,
                    "cannot stat authentication file {}: {err}",
                    path.display()
                )
            }
            Self::Read { path, err } => {
                write!(
                    f,
                    "cannot read authentication file {}: {err}",
                    path.display()
                )
            }
            // C: "<file>: file shall not be readable for anyone but the owner";
            // HEAD: "Key in authfile <file> is too short (<n> < 8)".
            Self::Key {
                path,
                err: AuthError::KeyTooShort { len },
            } => write!(
                f,
                "Key in authfile {} is too short ({len} < {})",
                path.display(),
                auth::MIN_KEY_LEN
            ),
            Self::Key { path, err } => write!(f, "{}: {err}", path.display()),
        }
    }
}

impl std::error::Error for KeyFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Open { err, .. } | Self::Stat { err, .. } | Self::Read { err, .. } => Some(err),
            Self::Key { err, .. } => Some(err),
        }
    }
}

/// Reads the key as C does: open, refuse a group/other-readable mode, one `read()` of at
/// most 64 bytes, then [`AuthKey::parse`]. `Ok(None)`: the key starts with NUL, which
/// disables authentication in C (wire.md §4.1).
pub fn read_key_file(path: &Path) -> Result<Option<AuthKey>, KeyFileError> {
    let owned = || path.to_path_buf();
    let mut file = File::open(path).map_err(|err| KeyFileError::Open { path: owned(), err })?;
    let meta = file
        .metadata()
        .map_err(|err| KeyFileError::Stat { path: owned(), err })?;
    auth::check_key_mode(meta.permissions().mode())
        .map_err(|err| KeyFileError::Key { path: owned(), err })?;
    let mut buf = [0u8; MAX_KEY_LEN];
    let n = loop {
        match file.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(KeyFileError::Read { path: owned(), err }),
        }
    };
    AuthKey::parse(buf.get(..n).unwrap_or_default())
        .map_err(|err| KeyFileError::Key { path: owned(), err })
}
