//! The two value types whose storage the engines do not share through `sqlx::Any`: times and
//! flags. Both are stored alike on SQLite and PostgreSQL, so the same SQL compares them alike.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use sqlx::any::{AnyTypeInfo, AnyTypeInfoKind, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, Database, Decode, Encode, Type};

/// A time as the database holds it: RFC 3339 text in UTC with as many fraction digits as it
/// has (`2026-12-05T00:06:12.123456+00:00`), the very string sqlx's SQLite chrono encoding
/// wrote before, so stored rows and new ones compare byte by byte (PostgreSQL's columns are
/// `COLLATE "C"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct At(pub DateTime<Utc>);

impl At {
    /// The current time.
    pub fn now() -> At {
        At(Utc::now())
    }

    /// The text stored for `t`.
    pub fn text(t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }

    /// A stored time: RFC 3339 with any offset, or the forms SQLite's date functions write
    /// (`YYYY-MM-DD HH:MM[:SS[.f]]`, optionally with `T`, `Z` or an offset), read as UTC when
    /// they name no offset.
    pub fn parse(s: &str) -> Option<At> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(At(t.with_timezone(&Utc)));
        }
        const FORMATS: [&str; 12] = [
            "%F %T%.f",
            "%F %R",
            "%F %RZ",
            "%F %R%:z",
            "%F %T%.fZ",
            "%F %T%.f%:z",
            "%FT%R",
            "%FT%RZ",
            "%FT%R%:z",
            "%FT%T%.f",
            "%FT%T%.fZ",
            "%FT%T%.f%:z",
        ];
        FORMATS.iter().find_map(|f| {
            DateTime::parse_from_str(s, f)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| NaiveDateTime::parse_from_str(s, f).map(|n| Utc.from_utc_datetime(&n)))
                .ok()
                .map(At)
        })
    }
}

impl From<DateTime<Utc>> for At {
    fn from(t: DateTime<Utc>) -> At {
        At(t)
    }
}

impl From<At> for DateTime<Utc> {
    fn from(t: At) -> DateTime<Utc> {
        t.0
    }
}

impl Type<Any> for At {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty) || <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Any> for At {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Any>>::encode(At::text(self.0), buf)
    }
}

impl<'r> Decode<'r, Any> for At {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        match <String as Decode<'r, Any>>::decode(value.clone()) {
            Ok(text) => At::parse(&text).ok_or_else(|| format!("invalid time: {text:?}").into()),
            // An integer is seconds since the epoch, as SQLite's decoding took it.
            Err(_) => {
                let secs = <i64 as Decode<'r, Any>>::decode(value)?;
                Utc.timestamp_opt(secs, 0)
                    .single()
                    .map(At)
                    .ok_or_else(|| format!("invalid time: {secs}").into())
            }
        }
    }
}

/// A yes/no as the database holds it: an integer 0 or 1 (PostgreSQL's columns are `BIGINT`
/// too). Reads an integer (any non-zero is yes) or a boolean (what a PostgreSQL comparison or
/// `EXISTS` yields).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flag(pub bool);

impl From<bool> for Flag {
    fn from(b: bool) -> Flag {
        Flag(b)
    }
}

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty) || ty.kind() == AnyTypeInfoKind::Bool
    }
}

impl<'q> Encode<'q, Any> for Flag {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode(i64::from(self.0), buf)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        match <i64 as Decode<'r, Any>>::decode(value.clone()) {
            Ok(n) => Ok(Flag(n != 0)),
            Err(_) => Ok(Flag(<bool as Decode<'r, Any>>::decode(value)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_is_stored_as_sqlites_chrono_encoding_wrote_it_and_read_back() {
        let t = Utc.with_ymd_and_hms(2026, 12, 5, 0, 6, 12).unwrap()
            + chrono::Duration::microseconds(123_456);
        assert_eq!(At::text(t), "2026-12-05T00:06:12.123456+00:00");
        let whole = Utc.with_ymd_and_hms(2026, 12, 5, 0, 6, 12).unwrap();
        assert_eq!(At::text(whole), "2026-12-05T00:06:12+00:00");
        assert_eq!(At::parse(&At::text(t)), Some(At(t)));
        // Older or hand-written forms.
        assert_eq!(At::parse("2026-12-05 00:06:12"), Some(At(whole)));
        assert_eq!(At::parse("2026-12-05T08:06:12+08:00"), Some(At(whole)));
        assert_eq!(At::parse("2026-12-05T00:06:12Z"), Some(At(whole)));
        assert_eq!(At::parse("yesterday"), None);
    }
}
