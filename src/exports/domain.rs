//! What a coordinator may export and how its cells read: the tables, the period (district
//! dates, inclusive), the `phones` word, masking, the one time format, the guard against cells
//! a spreadsheet would run as formulas, and the audit lines written in the export's write
//! transaction (where the coordinator check is made).

use crate::db::Pool;
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::audit::{self, Actor};
use crate::users::{refusal::require_coordinator, Refusal, UserId};

/// What can be exported, one file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Reports,
    Riders,
    Ledger,
    Signups,
    Visits,
    Feedback,
}

impl Table {
    pub const ALL: [Table; 6] = [
        Table::Reports,
        Table::Riders,
        Table::Ledger,
        Table::Signups,
        Table::Visits,
        Table::Feedback,
    ];

    /// The word in `/export WORD` and the start of the file's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Reports => "reports",
            Table::Riders => "riders",
            Table::Ledger => "ledger",
            Table::Signups => "signups",
            Table::Visits => "visits",
            Table::Feedback => "feedback",
        }
    }

    pub fn parse(word: &str) -> Option<Table> {
        let word = word.to_ascii_lowercase();
        Table::ALL.into_iter().find(|t| t.as_str() == word)
    }

    /// `reports, riders, …` for the usage answer.
    pub fn list() -> String {
        Table::ALL.map(Table::as_str).join(", ")
    }
}

/// The district days an export covers, inclusive. `from: None` is from the beginning; the
/// whole table when `to` was not given either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    /// No dates were given: every row, whatever its time.
    pub everything: bool,
}

impl Period {
    /// The UTC instants `[start, end)` the period covers in `tz`: `None` for no bound.
    pub fn bounds(&self, tz: Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        if self.everything {
            return (None, None);
        }
        let start = self.from.map(|d| day_start(d, tz));
        let end = self
            .to
            .checked_add_days(Days::new(1))
            .map(|d| day_start(d, tz));
        (start, end)
    }

    /// `2026-11-01-to-2026-11-30`, `from-2026-11-01-to-2026-12-04`, or `all-2026-12-04`.
    pub fn slug(&self) -> String {
        match (self.everything, self.from) {
            (true, _) | (false, None) => format!("all-{}", self.to),
            (false, Some(from)) => format!("{from}-to-{}", self.to),
        }
    }

    /// The period in words for the audit trail and captions (`2026-11-01..2026-11-30`).
    pub fn describe(&self) -> String {
        match (self.everything, self.from) {
            (true, _) | (false, None) => format!("all..{}", self.to),
            (false, Some(from)) => format!("{from}..{}", self.to),
        }
    }
}

/// Midnight of `day` in `tz` (the first moment of the day where a clock change skips
/// midnight).
fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // A zone that skips midnight: an hour later is inside the day.
        None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

/// `/export TABLE [FROM] [TO] [phones]`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRequest {
    pub table: Table,
    pub period: Period,
    /// Full phone numbers instead of masked ones (riders only; audited).
    pub phones: bool,
}

/// Why `/export …` was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("no table named")]
    Usage,
    #[error("unknown table {0:?}")]
    UnknownTable(String),
    #[error("{0:?} is not a date")]
    BadDate(String),
    #[error("more than two dates")]
    TooManyDates,
    #[error("{from} is after {to}")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("{0} is in the future")]
    Future(NaiveDate),
    #[error("phones is for the riders file only")]
    PhonesNotRiders,
}

impl ExportRequest {
    /// Parses the words after `/export`; `today` is the district's date now.
    pub fn parse(args: &str, today: NaiveDate) -> Result<ExportRequest, RequestError> {
        let mut words = args.split_whitespace();
        let first = words.next().ok_or(RequestError::Usage)?;
        let table = Table::parse(first).ok_or_else(|| RequestError::UnknownTable(clip(first)))?;
        let mut phones = false;
        let mut dates = Vec::new();
        for word in words {
            if word.eq_ignore_ascii_case("phones") {
                phones = true;
            } else {
                dates.push(parse_date(word).ok_or_else(|| RequestError::BadDate(clip(word)))?);
            }
        }
        if phones && table != Table::Riders {
            return Err(RequestError::PhonesNotRiders);
        }
        let period = match dates.as_slice() {
            [] => Period {
                from: None,
                to: today,
                everything: true,
            },
            [from] => Period {
                from: Some(*from),
                to: today,
                everything: false,
            },
            [from, to] => Period {
                from: Some(*from),
                to: *to,
                everything: false,
            },
            _ => return Err(RequestError::TooManyDates),
        };
        if let Some(late) = dates.iter().find(|d| **d > today) {
            return Err(RequestError::Future(*late));
        }
        if let Some(from) = period.from.filter(|f| *f > period.to) {
            return Err(RequestError::Reversed {
                from,
                to: period.to,
            });
        }
        Ok(ExportRequest {
            table,
            period,
            phones,
        })
    }

    /// The file's name: `reports-2026-11-01-to-2026-11-30.csv`.
    pub fn file_name(&self) -> String {
        format!("{}-{}.csv", self.table.as_str(), self.period.slug())
    }

    /// What the audit trail says was asked for.
    pub fn describe(&self) -> String {
        format!(
            "table={} period={} phones={}",
            self.table.as_str(),
            self.period.describe(),
            if self.phones { "full" } else { "masked" }
        )
    }
}

/// `YYYY-MM-DD` exactly (a date written another way is refused rather than guessed at).
fn parse_date(word: &str) -> Option<NaiveDate> {
    let b = word.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape
        .then(|| NaiveDate::parse_from_str(word, "%Y-%m-%d").ok())
        .flatten()
}

/// A word quoted back to the coordinator, cut to a readable length.
fn clip(word: &str) -> String {
    word.chars().take(24).collect()
}

/// How a phone number is written: `138****5678` unless full numbers were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phones {
    Masked,
    Full,
}

impl Phones {
    /// A stored phone (`+8613812345678`) as the file shows it. A Chinese mobile number is its
    /// 11 national digits (Excel shows 11 digits in full); any other keeps its `+`.
    pub fn show(self, stored: &str) -> String {
        let digits: String = stored.chars().filter(char::is_ascii_digit).collect();
        let national = match digits.strip_prefix("86") {
            Some(rest) if rest.len() == 11 => rest,
            _ => digits.as_str(),
        };
        match self {
            Phones::Full if national.len() == digits.len() => guard(stored),
            Phones::Full => national.to_owned(),
            Phones::Masked => mask(national),
        }
    }
}

/// The first three and last four digits, the rest starred; a short number keeps only its
/// last two.
pub fn mask(digits: &str) -> String {
    let n = digits.len();
    if n >= 8 {
        format!("{}{}{}", &digits[..3], "*".repeat(n - 7), &digits[n - 4..])
    } else if n > 2 {
        format!("{}{}", "*".repeat(n - 2), &digits[n - 2..])
    } else {
        "*".repeat(n.max(2))
    }
}

/// Text a person typed, made safe to open in a spreadsheet: a cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return would be read as a formula (CSV injection), so it gets
/// a leading apostrophe.
pub fn guard(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A stored RFC 3339 time as the district's wall clock, `YYYY-MM-DD HH:MM:SS` (what Excel and
/// WPS read as a date and time); a time that does not parse is written as stored.
pub fn local_time(stored: &str, tz: Tz) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(t) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => stored.to_owned(),
    }
}

/// As [`local_time`], empty for no time.
pub fn maybe_time(stored: Option<&str>, tz: Tz) -> String {
    stored.map(|s| local_time(s, tz)).unwrap_or_default()
}

/// A rider's id, or `former rider` for the anonymous id an erasure moved records to.
pub fn rider(id: i64) -> String {
    if id < 0 {
        "former rider".to_owned()
    } else {
        id.to_string()
    }
}

/// Why an export was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Checks that `actor` is a coordinator and records what they asked for, in one write
/// transaction, before any row is read. Full phone numbers get an audit line of their own.
pub async fn authorize(
    pool: &Pool,
    actor: UserId,
    request: &ExportRequest,
) -> Result<(), ExportError> {
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<ExportError>(&mut tx, actor).await?;
    let action = if request.phones {
        "export_phones"
    } else {
        "export"
    };
    audit::record(
        &mut tx,
        Actor::User(actor),
        action,
        None,
        Some(&request.describe()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How an export ended, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Sent { rows: u64, bytes: u64, zipped: bool },
    Empty,
    TooLarge { bytes: u64 },
    Failed,
}

/// Records how `actor`'s export ended (rows and size when sent), in a write transaction.
pub async fn record_ending(
    pool: &Pool,
    actor: UserId,
    request: &ExportRequest,
    ending: &Ending,
) -> Result<(), sqlx::Error> {
    let (action, detail) = match ending {
        Ending::Sent {
            rows,
            bytes,
            zipped,
        } => (
            "export_sent",
            format!(
                "{} rows={rows} bytes={bytes}{}",
                request.describe(),
                if *zipped { " zip" } else { "" }
            ),
        ),
        Ending::Empty => ("export_sent", format!("{} rows=0", request.describe())),
        Ending::TooLarge { bytes } => (
            "export_too_large",
            format!("{} bytes={bytes}", request.describe()),
        ),
        Ending::Failed => ("export_failed", request.describe()),
    };
    let mut tx = crate::db::begin_write(pool).await?;
    audit::record(&mut tx, Actor::User(actor), action, None, Some(&detail)).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2026-12-04";

    fn parse(args: &str) -> Result<ExportRequest, RequestError> {
        ExportRequest::parse(args, day(TODAY))
    }

    #[test]
    fn no_dates_is_everything_and_one_date_runs_to_today() {
        let all = parse("ledger").unwrap();
        assert_eq!(all.table, Table::Ledger);
        assert!(all.period.everything);
        assert_eq!(all.period.bounds(chrono_tz::Asia::Shanghai), (None, None));
        assert_eq!(all.file_name(), "ledger-all-2026-12-04.csv");

        let from = parse("Reports 2026-11-01").unwrap();
        assert_eq!(from.table, Table::Reports);
        assert_eq!(from.period.from, Some(day("2026-11-01")));
        assert_eq!(from.period.to, day(TODAY));
        assert_eq!(from.file_name(), "reports-2026-11-01-to-2026-12-04.csv");
    }

    #[test]
    fn a_range_is_inclusive_district_days() {
        let r = parse("visits 2026-11-01 2026-11-30").unwrap();
        let (start, end) = r.period.bounds(chrono_tz::Asia::Shanghai);
        // Shanghai is UTC+8: 1 November starts at 16:00 UTC on 31 October.
        assert_eq!(start.unwrap().to_rfc3339(), "2026-10-31T16:00:00+00:00");
        assert_eq!(end.unwrap().to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(r.file_name(), "visits-2026-11-01-to-2026-11-30.csv");
        let one = parse("visits 2026-11-05 2026-11-05").unwrap();
        assert_eq!(one.period.from, Some(one.period.to));
    }

    #[test]
    fn bad_words_dates_and_ranges_are_refused_by_name() {
        assert_eq!(parse(""), Err(RequestError::Usage));
        assert_eq!(
            parse("payments"),
            Err(RequestError::UnknownTable("payments".into()))
        );
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2026/11/01",
            "1.11.2026",
            "2026-1-1",
            "x",
        ] {
            assert_eq!(
                parse(&format!("ledger {bad}")),
                Err(RequestError::BadDate(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            parse("ledger 2026-11-30 2026-11-01"),
            Err(RequestError::Reversed {
                from: day("2026-11-30"),
                to: day("2026-11-01")
            })
        );
        assert_eq!(
            parse("ledger 2026-12-05"),
            Err(RequestError::Future(day("2026-12-05")))
        );
        assert_eq!(
            parse("ledger 2026-11-01 2027-01-01"),
            Err(RequestError::Future(day("2027-01-01")))
        );
        assert_eq!(
            parse("ledger 2026-11-01 2026-11-02 2026-11-03"),
            Err(RequestError::TooManyDates)
        );
        assert_eq!(parse("ledger phones"), Err(RequestError::PhonesNotRiders));
        let long = "x".repeat(100);
        assert_eq!(
            parse(&long),
            Err(RequestError::UnknownTable("x".repeat(24)))
        );
    }

    #[test]
    fn phones_is_a_word_anywhere_after_the_table() {
        let r = parse("riders phones 2026-11-01").unwrap();
        assert!(r.phones);
        assert_eq!(r.period.from, Some(day("2026-11-01")));
        assert!(!parse("riders").unwrap().phones);
        assert!(parse("riders 2026-11-01 PHONES").unwrap().phones);
    }

    #[test]
    fn phones_are_masked_unless_asked_for() {
        assert_eq!(Phones::Masked.show("+8613812345678"), "138****5678");
        assert_eq!(Phones::Full.show("+8613812345678"), "13812345678");
        // Not a Chinese mobile: the digits masked, or the number as stored (guarded: a cell
        // starting with + would be a formula).
        assert_eq!(Phones::Masked.show("+447911123456"), "447*****3456");
        assert_eq!(Phones::Full.show("+447911123456"), "'+447911123456");
        assert_eq!(Phones::Masked.show("+1234567"), "*****67");
        assert_eq!(mask("12"), "**");
        for phone in ["+8613812345678", "+447911123456", "+1234567"] {
            let masked = Phones::Masked.show(phone);
            let digits: String = masked.chars().filter(char::is_ascii_digit).collect();
            assert!(digits.len() <= 7, "{masked}");
        }
    }

    #[test]
    fn cells_that_would_be_formulas_are_quoted() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("+1"), "'+1");
        assert_eq!(guard("-2"), "'-2");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("路灯坏了"), "路灯坏了");
        assert_eq!(guard(""), "");
    }

    #[test]
    fn times_are_the_district_wall_clock() {
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(
            local_time("2026-11-30T16:00:00+00:00", tz),
            "2026-12-01 00:00:00"
        );
        assert_eq!(
            local_time("2026-11-30T04:05:06.789+00:00", tz),
            "2026-11-30 12:05:06"
        );
        assert_eq!(local_time("yesterday", tz), "yesterday");
        assert_eq!(maybe_time(None, tz), "");
    }

    #[test]
    fn an_erased_riders_records_say_former_rider() {
        assert_eq!(rider(-3), "former rider");
        assert_eq!(rider(1001), "1001");
    }
}
