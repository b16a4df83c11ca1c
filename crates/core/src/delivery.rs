//! The states of what one site hands to another: a reprinted item on a subscribing site
//! ([`DeliveryState`]) and an article offered up or across ([`SubmissionState`]). Stored as
//! the lowercase words below; parsed once when a row is read, so no caller compares strings.

use serde::Serialize;

use crate::Error;

macro_rules! state_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vm])* $variant),+
        }

        impl $name {
            /// The word stored in the database and shown in the JSON API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            pub fn parse(s: &str) -> Result<$name, Error> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(Error::internal(format!(
                        concat!("unknown ", stringify!($name), " {:?}"),
                        other
                    ))),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<$name, Error> {
                $name::parse(&s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

state_enum!(
    /// Where a reprinted item stands on one subscribing site.
    DeliveryState {
        /// On the site (at once in publish mode, or after the site's reviewer approved).
        Placed = "placed",
        /// Waiting for the site's reviewer (review mode).
        Pending = "pending",
        /// The site keeps its own copy, which no longer follows the source.
        Detached = "detached",
    }
);

state_enum!(
    /// Where an offered article (报送) stands with the receiving site.
    SubmissionState {
        /// Waiting for the receiving site's decision.
        Pending = "pending",
        /// Taken into one of the receiving site's columns.
        Adopted = "adopted",
        /// Turned down, with a reason.
        Declined = "declined",
    }
);

impl DeliveryState {
    /// A site's reviewer may approve it (it waits for them).
    pub fn awaits_review(self) -> bool {
        self == DeliveryState::Pending
    }

    /// The site may detach it (take its own copy).
    pub fn may_detach(self) -> bool {
        self == DeliveryState::Placed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_stored_words() {
        for s in [
            DeliveryState::Placed,
            DeliveryState::Pending,
            DeliveryState::Detached,
        ] {
            assert_eq!(DeliveryState::parse(s.as_str()).ok(), Some(s));
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
        for s in [
            SubmissionState::Pending,
            SubmissionState::Adopted,
            SubmissionState::Declined,
        ] {
            assert_eq!(SubmissionState::try_from(s.to_string()).ok(), Some(s));
        }
        assert!(DeliveryState::parse("Placed").is_err());
        assert!(DeliveryState::Pending.awaits_review() && !DeliveryState::Placed.awaits_review());
        assert!(DeliveryState::Placed.may_detach() && !DeliveryState::Detached.may_detach());
    }
}
