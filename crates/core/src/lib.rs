//! Domain types of zhanqun.
//!
//! Everything here is plain data and plain rules: no SQL, no HTTP. Values are parsed once at the
//! edge (`SiteCode::parse`, `Host::parse`, `ColumnPath::parse`, …) and trusted afterwards.

pub mod access;
pub mod beijing;
pub mod checks;
pub mod dataset;
pub mod delivery;
pub mod disclosure;
pub mod error;
pub mod faq;
pub mod form;
pub mod ids;
pub mod index_number;
pub mod interview;
pub mod letter_flow;
pub mod letters;
pub mod media;
pub mod model;
pub mod paging;
pub mod password;
pub mod pii;
pub mod sanitize;
pub mod service;
pub mod service_flow;
pub mod survey;
pub mod timeliness;
pub mod totp;
pub mod visits;
pub mod workflow;

pub use access::{Act, Grant, Principal, SiteRole};
pub use delivery::{DeliveryState, SubmissionState};
pub use error::{Error, ErrorCode, Result};
pub use ids::{
    AccountId, ArticleId, ColumnId, ColumnPath, DeliveryId, FaqId, GrantId, Host, InterviewId,
    LetterId, QuestionId, SiteCode, SiteId, SourceId, SubmissionId, SubscriptionId, SurveyId,
    UnitId,
};
pub use index_number::IndexPattern;
pub use model::*;
pub use paging::Page;
