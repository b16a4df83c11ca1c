//! Path and query parameters parsed at the edge, refused in our own words. axum's extractors
//! answer a bad `/articles/abc` or `?year=x` with English plain text; ours turn the rejection into
//! [`zhanqun_core::Error::Invalid`], which the JSON API answers as `{"code": "invalid_input", …}`
//! and the console as its Chinese error page. Each side declares its pair with
//! [`edge_extractors!`] and its own error type, so the shape is chosen where the handler is
//! written, not guessed from the request's path.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use zhanqun_core::Error;

/// Why a path parameter was refused. The value itself is not repeated (it is the caller's).
pub(crate) fn path_error(e: &PathRejection) -> Error {
    let key = match e {
        PathRejection::FailedToDeserializePathParams(d) => match d.kind() {
            ErrorKind::ParseErrorAtKey { key, .. } | ErrorKind::DeserializeError { key, .. } => {
                Some(key.clone())
            }
            _ => None,
        },
        _ => None,
    };
    match key {
        Some(k) => Error::invalid(format!("地址中的参数 {k} 无效：应为数字编号，请检查地址")),
        None => Error::invalid("地址中的参数无效：编号应为数字，请检查地址"),
    }
}

/// Why a query string was refused, naming the parameter where serde says which one it was.
pub(crate) fn query_error(e: &QueryRejection) -> Error {
    let detail = match e {
        QueryRejection::FailedToDeserializeQueryString(d) => std::error::Error::source(d)
            .map(ToString::to_string)
            .unwrap_or_default(),
        _ => String::new(),
    };
    let detail: String = detail.chars().take(160).collect();
    if detail.is_empty() {
        Error::invalid("查询参数有误，请检查地址中 ? 之后的部分")
    } else {
        Error::invalid(format!(
            "查询参数有误（{detail}），请检查地址中 ? 之后的部分"
        ))
    }
}

/// Why a posted form was refused. Each console form is made by our own pages, so this is a
/// hand-edited or truncated request, or a number field given letters: the field is named where
/// serde says which one it was, and the visitor is told to go back and send it again.
pub(crate) fn form_error(e: &FormRejection) -> Error {
    let detail = match e {
        FormRejection::FailedToDeserializeForm(d) => std::error::Error::source(d)
            .map(ToString::to_string)
            .unwrap_or_default(),
        FormRejection::FailedToDeserializeFormBody(d) => std::error::Error::source(d)
            .map(ToString::to_string)
            .unwrap_or_default(),
        FormRejection::InvalidFormContentType(_) => {
            return Error::invalid("表单提交方式不对：请从控制台页面上的表单提交");
        }
        _ => String::new(),
    };
    let detail: String = detail.chars().take(160).collect();
    if detail.is_empty() {
        Error::invalid("表单内容有误，请返回上一页检查后重新提交")
    } else {
        Error::invalid(format!(
            "表单内容有误（{detail}），请返回上一页检查各项，数字栏只填数字，然后重新提交"
        ))
    }
}

/// Declares `Path<T>` and `Query<T>` in the calling module, rejecting with `$err`
/// (any type that is `From<zhanqun_core::Error>` and a response).
macro_rules! edge_extractors {
    ($err:ty) => {
        /// A path parameter, parsed at the edge; a bad one is refused in our error shape.
        pub struct Path<T>(pub T);

        impl<S, T> axum::extract::FromRequestParts<S> for Path<T>
        where
            S: Send + Sync,
            T: serde::de::DeserializeOwned + Send,
        {
            type Rejection = $err;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                axum::extract::Path::<T>::from_request_parts(parts, state)
                    .await
                    .map(|p| Path(p.0))
                    .map_err(|e| <$err>::from($crate::extract::path_error(&e)))
            }
        }

        /// Query parameters, parsed at the edge; bad ones are refused in our error shape.
        pub struct Query<T>(pub T);

        impl<S, T> axum::extract::FromRequestParts<S> for Query<T>
        where
            S: Send + Sync,
            T: serde::de::DeserializeOwned,
        {
            type Rejection = $err;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                axum::extract::Query::<T>::from_request_parts(parts, state)
                    .await
                    .map(|q| Query(q.0))
                    .map_err(|e| <$err>::from($crate::extract::query_error(&e)))
            }
        }
    };
}
pub(crate) use edge_extractors;
