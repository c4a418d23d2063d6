//! Report buttons' data (`rp:` head; untrusted, parsed strictly): the rider's (filing,
//! `/myreports`, withdrawal) and the coordinators' on a triage card.

use crate::bot::core::callback::{body, CallbackData};
use crate::reports::{CategoryCode, DepartmentCode, ReportId, REJECT_REASONS};

/// The heads the router sends to reports.
pub const HEADS: &[&str] = &["rp"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportCallback {
    /// A category picked while filing (or editing).
    Category(CategoryCode),
    Confirm,
    /// Show what can be edited.
    Edit,
    /// Redo one part: `c`ategory, `p`hotos, p`l`ace, `n`ote; `b`ack to the summary.
    EditPart(char),
    Cancel,
    /// A page of `/myreports`.
    Mine(u32),
    /// Ask to withdraw; then do it.
    Withdraw(ReportId),
    WithdrawYes(ReportId),
    /// A coordinator's button on a card.
    Triage(TriageCallback),
}

/// A coordinator's button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageCallback {
    Accept(ReportId),
    /// Show the rejection reasons.
    RejectMenu(ReportId),
    /// Reject with reason number `n` of [`REJECT_REASONS`].
    Reject(ReportId, usize),
    RouteMenu(ReportId),
    Route(ReportId, DepartmentCode),
    Resolve(ReportId),
    DuplicateMenu(ReportId),
    Duplicate(ReportId, ReportId),
    /// Back to the card's own buttons.
    Back(ReportId),
}

impl CallbackData for ReportCallback {
    fn encode(&self) -> String {
        match self {
            ReportCallback::Category(c) => format!("rp:c:{c}"),
            ReportCallback::Confirm => "rp:ok".into(),
            ReportCallback::Edit => "rp:ed".into(),
            ReportCallback::EditPart(p) => format!("rp:e:{p}"),
            ReportCallback::Cancel => "rp:no".into(),
            ReportCallback::Mine(p) => format!("rp:m:{p}"),
            ReportCallback::Withdraw(id) => format!("rp:w:{}", id.0),
            ReportCallback::WithdrawYes(id) => format!("rp:W:{}", id.0),
            ReportCallback::Triage(t) => t.encode(),
        }
    }

    fn parse(data: &str) -> Option<ReportCallback> {
        let data = body(data, "rp")?;
        let (head, arg) = match data.split_once(':') {
            Some((h, a)) => (h, Some(a)),
            None => (data, None),
        };
        let id = |a: Option<&str>| {
            a.and_then(|a| a.parse().ok())
                .filter(|n| *n > 0)
                .map(ReportId)
        };
        Some(match (head, arg) {
            ("c", Some(c)) => ReportCallback::Category(CategoryCode::parse(c)?),
            ("ok", None) => ReportCallback::Confirm,
            ("ed", None) => ReportCallback::Edit,
            ("e", Some(p @ ("c" | "p" | "l" | "n" | "b"))) => {
                ReportCallback::EditPart(p.chars().next()?)
            }
            ("no", None) => ReportCallback::Cancel,
            ("m", Some(p)) => ReportCallback::Mine(p.parse().ok().filter(|p| *p < 10_000)?),
            ("w", a) => ReportCallback::Withdraw(id(a)?),
            ("W", a) => ReportCallback::WithdrawYes(id(a)?),
            _ => ReportCallback::Triage(TriageCallback::parse(head, arg)?),
        })
    }
}

impl TriageCallback {
    pub fn encode(&self) -> String {
        match self {
            TriageCallback::Accept(id) => format!("rp:a:{}", id.0),
            TriageCallback::RejectMenu(id) => format!("rp:j:{}", id.0),
            TriageCallback::Reject(id, n) => format!("rp:J:{}:{n}", id.0),
            TriageCallback::RouteMenu(id) => format!("rp:t:{}", id.0),
            TriageCallback::Route(id, d) => format!("rp:T:{}:{d}", id.0),
            TriageCallback::Resolve(id) => format!("rp:v:{}", id.0),
            TriageCallback::DuplicateMenu(id) => format!("rp:d:{}", id.0),
            TriageCallback::Duplicate(id, of) => format!("rp:D:{}:{}", id.0, of.0),
            TriageCallback::Back(id) => format!("rp:b:{}", id.0),
        }
    }

    fn parse(head: &str, arg: Option<&str>) -> Option<TriageCallback> {
        let arg = arg?;
        let (first, rest) = match arg.split_once(':') {
            Some((f, r)) => (f, Some(r)),
            None => (arg, None),
        };
        let id = |s: &str| -> Option<ReportId> {
            s.parse::<i64>().ok().filter(|n| *n > 0).map(ReportId)
        };
        let report = id(first)?;
        Some(match (head, rest) {
            ("a", None) => TriageCallback::Accept(report),
            ("j", None) => TriageCallback::RejectMenu(report),
            ("J", Some(n)) => TriageCallback::Reject(
                report,
                n.parse().ok().filter(|n| *n < REJECT_REASONS.len())?,
            ),
            ("t", None) => TriageCallback::RouteMenu(report),
            ("T", Some(d)) => TriageCallback::Route(report, DepartmentCode::parse(d)?),
            ("v", None) => TriageCallback::Resolve(report),
            ("d", None) => TriageCallback::DuplicateMenu(report),
            ("D", Some(of)) => TriageCallback::Duplicate(report, id(of)?),
            ("b", None) => TriageCallback::Back(report),
            _ => return None,
        })
    }

    /// The report the button is about.
    pub fn report(&self) -> ReportId {
        match self {
            TriageCallback::Accept(id)
            | TriageCallback::RejectMenu(id)
            | TriageCallback::Reject(id, _)
            | TriageCallback::RouteMenu(id)
            | TriageCallback::Route(id, _)
            | TriageCallback::Resolve(id)
            | TriageCallback::DuplicateMenu(id)
            | TriageCallback::Duplicate(id, _)
            | TriageCallback::Back(id) => *id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::core::callback::{head, MAX_BYTES};

    #[test]
    fn every_report_callback_round_trips_within_64_bytes_and_forgeries_fail() {
        use TriageCallback as T;
        let id = ReportId(999_999_999);
        let dept = DepartmentCode::parse(&"d".repeat(24)).unwrap();
        let all = [
            ReportCallback::Category(CategoryCode::parse(&"c".repeat(24)).unwrap()),
            ReportCallback::Confirm,
            ReportCallback::Edit,
            ReportCallback::EditPart('p'),
            ReportCallback::Cancel,
            ReportCallback::Mine(9_999),
            ReportCallback::Withdraw(id),
            ReportCallback::WithdrawYes(id),
            ReportCallback::Triage(T::Accept(id)),
            ReportCallback::Triage(T::RejectMenu(id)),
            ReportCallback::Triage(T::Reject(id, 4)),
            ReportCallback::Triage(T::RouteMenu(id)),
            ReportCallback::Triage(T::Route(id, dept)),
            ReportCallback::Triage(T::Resolve(id)),
            ReportCallback::Triage(T::DuplicateMenu(id)),
            ReportCallback::Triage(T::Duplicate(id, ReportId(1))),
            ReportCallback::Triage(T::Back(id)),
        ];
        for cb in all {
            let data = cb.encode();
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert!(HEADS.contains(&head(&data)), "{data}");
            assert_eq!(ReportCallback::parse(&data), Some(cb.clone()), "{data}");
        }
        for forged in [
            "rp:",
            "rp:a",
            "rp:a:0",
            "rp:a:-1",
            "rp:a:x",
            "rp:J:1:5",
            "rp:J:1",
            "rp:T:1:a b",
            "rp:e:x",
            "rp:c:",
            "rp:m:10000",
            "rp:D:1:0",
            "rp:zz:1",
        ] {
            assert_eq!(ReportCallback::parse(forged), None, "{forged}");
        }
    }
}
