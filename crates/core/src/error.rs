//! The one error type of the platform.
//!
//! Every failure that can reach a person or a script is an [`Error`] with a stable machine
//! [`ErrorCode`] (for the API and for scripts) and a message in Chinese that says what to fix.
//! Internal detail (SQL text, file paths, driver errors) is kept in `Internal` and logged once by
//! the layer that turns the error into a response; it is never shown to a client.

use std::fmt;

/// Stable, machine-readable error codes. Never renumber or rename: scripts depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    UnknownHost,
    InvalidInput,
    Conflict,
    SiteSuspended,
    SiteArchived,
    Gone,
    Internal,
    /// No valid session or token: log in first.
    Unauthenticated,
    /// Logged in, but the account's roles and grants do not allow this.
    Forbidden,
    /// The request came from another origin (CSRF protection).
    CrossOrigin,
    /// Too many failed logins: locked for a while.
    Locked,
    /// A second factor (TOTP) is needed, or enrolment in it.
    SecondFactorRequired,
    /// The password is an initial one and must be changed first.
    PasswordChangeRequired,
    /// An upload larger than allowed.
    TooLarge,
}

impl ErrorCode {
    /// Every code, for the API document.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::NotFound,
        ErrorCode::UnknownHost,
        ErrorCode::InvalidInput,
        ErrorCode::Conflict,
        ErrorCode::SiteSuspended,
        ErrorCode::SiteArchived,
        ErrorCode::Gone,
        ErrorCode::Internal,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::CrossOrigin,
        ErrorCode::Locked,
        ErrorCode::SecondFactorRequired,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::TooLarge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::UnknownHost => "unknown_host",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Conflict => "conflict",
            ErrorCode::SiteSuspended => "site_suspended",
            ErrorCode::SiteArchived => "site_archived",
            ErrorCode::Gone => "gone",
            ErrorCode::Internal => "internal",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CrossOrigin => "cross_origin",
            ErrorCode::Locked => "locked",
            ErrorCode::SecondFactorRequired => "second_factor_required",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::TooLarge => "too_large",
        }
    }

    /// A short Chinese title for error pages.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::NotFound | ErrorCode::UnknownHost => "页面不存在",
            ErrorCode::InvalidInput => "请求有误",
            ErrorCode::Gone | ErrorCode::SiteArchived => "信息已撤销",
            ErrorCode::SiteSuspended => "网站维护中",
            ErrorCode::Conflict => "请求冲突",
            ErrorCode::Internal => "服务器错误",
            ErrorCode::Unauthenticated => "请先登录",
            ErrorCode::Forbidden => "没有权限",
            ErrorCode::CrossOrigin => "请求来源无效",
            ErrorCode::Locked => "账号已锁定",
            ErrorCode::SecondFactorRequired => "需要动态口令",
            ErrorCode::PasswordChangeRequired => "请修改初始密码",
            ErrorCode::TooLarge => "文件过大",
        }
    }

    /// The HTTP status this code maps to, in one place.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::NotFound | ErrorCode::UnknownHost => 404,
            ErrorCode::InvalidInput => 400,
            ErrorCode::Conflict => 409,
            ErrorCode::SiteSuspended => 503,
            ErrorCode::SiteArchived | ErrorCode::Gone => 410,
            ErrorCode::Internal => 500,
            ErrorCode::Unauthenticated | ErrorCode::SecondFactorRequired => 401,
            ErrorCode::Forbidden | ErrorCode::CrossOrigin | ErrorCode::PasswordChangeRequired => {
                403
            }
            ErrorCode::Locked => 429,
            ErrorCode::TooLarge => 413,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something asked for does not exist (message in Chinese, shown to people).
    #[error("{0}")]
    NotFound(String),
    /// Input that cannot be accepted; the message says what to fix.
    #[error("{0}")]
    InvalidInput(String),
    /// The request conflicts with what is stored (duplicate host, duplicate code, …).
    #[error("{0}")]
    Conflict(String),
    /// Something that existed and was taken away on purpose.
    #[error("{0}")]
    Gone(String),
    /// Too many failed logins: locked for a while.
    #[error("{0}")]
    Locked(String),
    /// An upload over the size limit.
    #[error("{0}")]
    TooLarge(String),
    /// Not logged in (or the session ended).
    #[error("{0}")]
    Unauthenticated(String),
    /// The actor's roles and grants do not allow this; the message says which right is missing.
    #[error("{0}")]
    Forbidden(String),
    /// A failure of ours. The detail is logged, never shown.
    #[error("内部错误")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Gone(_) => ErrorCode::Gone,
            Error::Internal(_) => ErrorCode::Internal,
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::Locked(_) => ErrorCode::Locked,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::Forbidden(_) => ErrorCode::Forbidden,
        }
    }

    /// The message a person may see. For internal errors, a generic sentence.
    pub fn public_message(&self) -> String {
        match self {
            Error::Internal(_) => "服务器内部错误，请稍后再试。".to_string(),
            other => other.to_string(),
        }
    }

    pub fn internal(e: impl fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidInput(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    pub fn forbidden(msg: impl Into<String>) -> Self {
        Error::Forbidden(msg.into())
    }

    pub fn conflict(msg: impl Into<String>) -> Self {
        Error::Conflict(msg.into())
    }

    /// A conflict (a unique key the write ran into) told in the caller's words; any other
    /// error unchanged.
    pub fn conflict_as(self, msg: impl Into<String>) -> Self {
        match self {
            Error::Conflict(_) => Error::Conflict(msg.into()),
            other => other,
        }
    }
}
