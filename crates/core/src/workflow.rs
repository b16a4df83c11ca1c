//! The editorial workflow as rules: which step a person may take on an article in a state, and
//! the state it leads to. Written once, here; the store's transition, the console's buttons and
//! the work queues ("待审核", "待签发") all ask these functions, so what a queue lists is what its
//! reader may act on.
//!
//! ```text
//! draft --submit--> submitted --approve--> reviewed --sign--> published (or scheduled)
//!   ^                  |        (columns with sign-off)   |
//!   +----- reject -----+---------------------------------+
//! published/scheduled --withdraw--> withdrawn
//! ```
//!
//! Four eyes: nobody approves, signs or rejects what they wrote or submitted, and nobody signs
//! what they reviewed. Rights in the column (an editor submits, a reviewer approves, a signer
//! signs or rejects a reviewed article, a signer or site administrator withdraws) are the
//! [`Act`] of each step, checked against the grants by [`crate::Principal::may`].

use crate::{Act, ArticleStatus, Error, Result};

/// Who wrote, submitted and reviewed an article: what the four-eyes rules read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hands {
    pub created_by: Option<i64>,
    pub submitted_by: Option<i64>,
    pub reviewed_by: Option<i64>,
}

impl Hands {
    /// Whether `me` wrote or submitted it.
    pub fn own(&self, me: i64) -> bool {
        self.created_by == Some(me) || self.submitted_by == Some(me)
    }
}

/// A step of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// 送审
    Submit,
    /// 审核通过
    Approve,
    /// 签发
    Sign,
    /// 退回
    Reject,
    /// 撤稿
    Withdraw,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Submit,
        Step::Approve,
        Step::Sign,
        Step::Reject,
        Step::Withdraw,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Step::Submit => "送审",
            Step::Approve => "审核",
            Step::Sign => "签发",
            Step::Reject => "退回",
            Step::Withdraw => "撤稿",
        }
    }

    /// The right the step needs in the article's column, in its current state: rejecting a
    /// reviewed article is the signer's.
    pub fn act(self, status: ArticleStatus) -> Act {
        match self {
            Step::Submit => Act::Edit,
            Step::Approve => Act::Review,
            Step::Sign => Act::Sign,
            Step::Reject if status == ArticleStatus::Reviewed => Act::Sign,
            Step::Reject => Act::Review,
            Step::Withdraw => Act::Withdraw,
        }
    }
}

/// Whether `me` may take `step` on an article in `status` written, submitted and reviewed by
/// `hands` (rights in the column apart: see [`Step::act`]), and the state it leads to. Approving
/// in a column without sign-off, and signing, lead to `Published`; the caller makes that
/// `Scheduled` when a publish time in the future was given.
pub fn next(
    step: Step,
    status: ArticleStatus,
    hands: &Hands,
    me: i64,
    needs_signoff: bool,
) -> Result<ArticleStatus> {
    use ArticleStatus as S;
    let wrong_state = || {
        Err(Error::conflict(format!(
            "该信息当前为“{}”，不能{}",
            status.label(),
            step.label()
        )))
    };
    match step {
        Step::Submit => {
            if status != S::Draft {
                return wrong_state();
            }
            Ok(S::Submitted)
        }
        Step::Approve => {
            if status != S::Submitted {
                return wrong_state();
            }
            if hands.own(me) {
                return Err(Error::forbidden("不能审核自己撰写或提交的信息"));
            }
            Ok(if needs_signoff {
                S::Reviewed
            } else {
                S::Published
            })
        }
        Step::Sign => {
            if status != S::Reviewed {
                return wrong_state();
            }
            if hands.own(me) || hands.reviewed_by == Some(me) {
                return Err(Error::forbidden("不能签发自己撰写、提交或审核的信息"));
            }
            Ok(S::Published)
        }
        Step::Reject => {
            if !matches!(status, S::Submitted | S::Reviewed) {
                return wrong_state();
            }
            if hands.own(me) {
                return Err(Error::forbidden("不能审核自己撰写或提交的信息"));
            }
            Ok(S::Draft)
        }
        Step::Withdraw => {
            if !matches!(status, S::Published | S::Scheduled) {
                return wrong_state();
            }
            Ok(S::Withdrawn)
        }
    }
}

/// Whether `me`, holding the rights `may` answers for in the article's column, may take `step`
/// now: the console's buttons and the work queues.
pub fn may_take(
    step: Step,
    status: ArticleStatus,
    hands: &Hands,
    me: i64,
    may: impl Fn(Act) -> bool,
) -> bool {
    // Sign-off only changes where approving leads, not whether it is allowed.
    next(step, status, hands, me, true).is_ok() && may(step.act(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArticleStatus as S;

    const WRITER: i64 = 1;
    const REVIEWER: i64 = 2;
    const SIGNER: i64 = 3;

    fn hands(reviewed: bool) -> Hands {
        Hands {
            created_by: Some(WRITER),
            submitted_by: Some(WRITER),
            reviewed_by: reviewed.then_some(REVIEWER),
        }
    }

    #[test]
    fn each_step_from_its_state_to_the_next() {
        let h = hands(false);
        assert_eq!(
            next(Step::Submit, S::Draft, &h, WRITER, true).ok(),
            Some(S::Submitted)
        );
        assert_eq!(
            next(Step::Approve, S::Submitted, &h, REVIEWER, true).ok(),
            Some(S::Reviewed)
        );
        assert_eq!(
            next(Step::Approve, S::Submitted, &h, REVIEWER, false).ok(),
            Some(S::Published)
        );
        let h = hands(true);
        assert_eq!(
            next(Step::Sign, S::Reviewed, &h, SIGNER, true).ok(),
            Some(S::Published)
        );
        assert_eq!(
            next(Step::Reject, S::Reviewed, &h, SIGNER, true).ok(),
            Some(S::Draft)
        );
        assert_eq!(
            next(Step::Withdraw, S::Published, &h, SIGNER, true).ok(),
            Some(S::Withdrawn)
        );
        assert_eq!(
            next(Step::Withdraw, S::Scheduled, &h, SIGNER, true).ok(),
            Some(S::Withdrawn)
        );
    }

    #[test]
    fn a_step_from_the_wrong_state_is_a_conflict() {
        let h = hands(true);
        for (step, status) in [
            (Step::Submit, S::Submitted),
            (Step::Approve, S::Draft),
            (Step::Approve, S::Reviewed),
            (Step::Sign, S::Submitted),
            (Step::Reject, S::Published),
            (Step::Withdraw, S::Draft),
        ] {
            let e = next(step, status, &h, SIGNER, true).err();
            assert!(
                matches!(e, Some(Error::Conflict(_))),
                "{step:?} from {status:?}: {e:?}"
            );
        }
    }

    #[test]
    fn four_eyes() {
        let h = hands(true);
        // The writer approves, signs and rejects nothing of their own.
        for (step, status) in [
            (Step::Approve, S::Submitted),
            (Step::Sign, S::Reviewed),
            (Step::Reject, S::Submitted),
            (Step::Reject, S::Reviewed),
        ] {
            assert!(matches!(
                next(step, status, &h, WRITER, true),
                Err(Error::Forbidden(_))
            ));
        }
        // The reviewer does not sign what they reviewed, but may still reject it.
        assert!(matches!(
            next(Step::Sign, S::Reviewed, &h, REVIEWER, true),
            Err(Error::Forbidden(_))
        ));
        assert!(next(Step::Reject, S::Reviewed, &h, REVIEWER, true).is_ok());
    }

    #[test]
    fn what_a_reviewer_who_also_signs_is_offered() {
        // Holds both rights in the column: the article they reviewed waits for someone else's
        // signature, so neither the button nor the 待签发 queue offers it to them.
        let both = |act: Act| matches!(act, Act::Review | Act::Sign);
        let h = hands(true);
        assert!(!may_take(Step::Sign, S::Reviewed, &h, REVIEWER, both));
        assert!(may_take(Step::Sign, S::Reviewed, &h, SIGNER, both));
        assert!(may_take(
            Step::Approve,
            S::Submitted,
            &hands(false),
            REVIEWER,
            both
        ));
        // Rights still count: a reviewer alone cannot reject a reviewed article (the signer's).
        let review_only = |act: Act| act == Act::Review;
        assert!(!may_take(
            Step::Reject,
            S::Reviewed,
            &h,
            SIGNER,
            review_only
        ));
        assert!(may_take(
            Step::Reject,
            S::Submitted,
            &hands(false),
            SIGNER,
            review_only
        ));
    }
}
