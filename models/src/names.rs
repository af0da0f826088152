//! One string table per enum. Every choice a user writes (a mesh mode, a scheduler strategy, a
//! taint effect, …) is an enum whose names are derived once, by `strum` (`EnumString`,
//! `IntoStaticStr`, `VariantNames`, `EnumIter`); [`named_enum!`](crate::named_enum) then gives it
//! `as_str`, `parse`, and serde impls that read and write those same names. An unknown name is
//! refused with `unknown <what> `<got>`; expected one of `a`, `b`, …`, which the scenario
//! reader turns into a located error with the closest name as a suggestion.

/// The message for a name that is not one of `allowed`.
pub fn unknown_message(what: &str, got: &str, allowed: &[&str]) -> String {
    let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    format!(
        "unknown {what} `{}`; expected one of {}",
        truncate(got, 64),
        list.join(", ")
    )
}

/// `s` cut to at most `max` characters (with `…` when cut): a user's value quoted in a message
/// never makes the message unbounded.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// Gives a `strum`-derived enum `as_str`, `parse`, `names` and serde impls over its one string
/// table; `$what` names it in messages ("mesh mode").
#[macro_export]
macro_rules! named_enum {
    ($ty:ty, $what:literal) => {
        impl $ty {
            /// What this enum is called in messages.
            pub const WHAT: &'static str = $what;

            /// The name used in files, on the command line and in outputs.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// The variant called `s`.
            pub fn parse(s: &str) -> Option<Self> {
                <Self as ::std::str::FromStr>::from_str(s).ok()
            }

            /// Every name, in declaration order.
            pub fn names() -> &'static [&'static str] {
                <Self as ::strum::VariantNames>::VARIANTS
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::custom($crate::names::unknown_message(
                        $what,
                        &s,
                        Self::names(),
                    ))
                })
            }
        }
    };
}
