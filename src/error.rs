//! The crate's error type. Every message says what was wrong and what to do about it.
use std::path::PathBuf;

/// Everything that can go wrong in lrbook, with messages meant for a reader.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter or flag is out of its allowed range.
    #[error("invalid {what}: {problem}. {hint}")]
    InvalidArgument {
        /// The parameter, for example "learning rate".
        what: String,
        /// What is wrong with the given value.
        problem: String,
        /// What the user can do instead.
        hint: String,
    },
    /// A dataset is missing, truncated or corrupt.
    #[error("{0}")]
    Data(String),
    /// The requested device is not available.
    #[error("{0}")]
    Device(String),
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// "read", "write", "create" …
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A figure could not be drawn.
    #[error("cannot draw figure {path}: {message}")]
    Plot {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An error reported by libtorch.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(
        what: impl Into<String>,
        problem: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Error::InvalidArgument {
            what: what.into(),
            problem: problem.into(),
            hint: hint.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
