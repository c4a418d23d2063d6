//! The service plans file:
//! `code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active`.

use std::collections::HashMap;

use chrono::NaiveTime;

use super::{Plan, PlanCode, Schedule, ServiceKind};
use crate::csvfile::{self, CsvError, CsvFile, Row};
use crate::stations::StationCode;

pub const COLUMNS: &[&str] = &[
    "code", "kind", "title_zh", "title_en", "station", "schedule", "start", "end", "capacity",
    "points", "active",
];

fn time(row: &Row<'_>, name: &str) -> Result<NaiveTime, CsvError> {
    let raw = row.get(name);
    NaiveTime::parse_from_str(raw, "%H:%M")
        .map_err(|_| row.error(name, format!("{raw:?} is not a time such as 09:30")))
}

/// Parses the file; `known` says whether a station code exists (in the table).
pub fn parse(bytes: &[u8], known: impl Fn(&StationCode) -> bool) -> Result<Vec<Plan>, CsvError> {
    let file = CsvFile::read(bytes, COLUMNS)?;
    let mut seen = HashMap::new();
    let mut plans = Vec::new();
    for row in file.rows() {
        let code = row.unique_code("code", &mut seen, PlanCode::parse)?;
        let raw = row.get("kind");
        let kind = ServiceKind::parse(raw).ok_or_else(|| {
            let all: Vec<&str> = ServiceKind::ALL.iter().map(|k| k.as_str()).collect();
            row.error("kind", format!("{raw:?} is not one of {}", all.join(", ")))
        })?;
        let raw = row.get("station");
        let station = StationCode::parse(raw).filter(&known).ok_or_else(|| {
            row.error(
                "station",
                format!("{raw:?} is not a known station (import stations first)"),
            )
        })?;
        let raw = row.get("schedule");
        let schedule = Schedule::parse(raw).ok_or_else(|| {
            row.error(
                "schedule",
                format!("{raw:?} is neither a date (2026-12-05) nor weekdays (Sa or Mo;We)"),
            )
        })?;
        let (start, end) = (time(&row, "start")?, time(&row, "end")?);
        if end <= start {
            return Err(row.error("end", "ends before it starts"));
        }
        plans.push(Plan {
            code,
            kind,
            title_zh: row.text("title_zh", 40)?.to_owned(),
            title_en: row.optional_text("title_en", 40)?.map(str::to_owned),
            station,
            schedule,
            start,
            end,
            capacity: row.whole_number("capacity", 1..=10_000)?,
            points: row.whole_number("points", 0..=10_000)?,
            active: row.flag("active")?,
        });
    }
    Ok(plans)
}

pub fn write<W: std::io::Write>(out: W, plans: &[Plan]) -> Result<(), ::csv::Error> {
    let rows = plans.iter().map(|p| {
        vec![
            p.code.to_string(),
            p.kind.as_str().to_owned(),
            p.title_zh.clone(),
            p.title_en.clone().unwrap_or_default(),
            p.station.to_string(),
            p.schedule.to_string(),
            p.start.format("%H:%M").to_string(),
            p.end.format("%H:%M").to_string(),
            p.capacity.to_string(),
            p.points.to_string(),
            csvfile::flag(p.active),
        ]
    });
    csvfile::write(out, COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n";

    #[test]
    fn plans_round_trip_and_bad_rows_name_line_and_column() {
        let known = |s: &StationCode| s.as_str() == "LF-S01";
        let text = format!("{HEAD}cut,haircut,义剪,Free haircut,LF-S01,Sa,09:00,11:30,10,20,true\nDOC,health,义诊,,lf-s01,2026-12-05,14:00,16:00,30,20,1\n");
        let plans = parse(text.as_bytes(), known).unwrap();
        assert_eq!(plans[0].code.as_str(), "CUT");
        assert_eq!(plans[1].schedule, Schedule::parse("2026-12-05").unwrap());
        let mut out = Vec::new();
        write(&mut out, &plans).unwrap();
        assert_eq!(parse(&out, known).unwrap(), plans);
        for (row, column) in [
            (
                "A,juggling,x,,LF-S01,Sa,09:00,10:00,1,0,1",
                "column 2 (kind)",
            ),
            (
                "A,haircut,x,,LF-X,Sa,09:00,10:00,1,0,1",
                "column 5 (station)",
            ),
            (
                "A,haircut,x,,LF-S01,Saturday,09:00,10:00,1,0,1",
                "column 6 (schedule)",
            ),
            ("A,haircut,x,,LF-S01,Sa,9h,10:00,1,0,1", "column 7 (start)"),
            ("A,haircut,x,,LF-S01,Sa,10:00,09:00,1,0,1", "column 8 (end)"),
            (
                "A,haircut,x,,LF-S01,Sa,09:00,10:00,0,0,1",
                "column 9 (capacity)",
            ),
        ] {
            let e = parse(format!("{HEAD}{row}\n").as_bytes(), known)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(&format!("line 2, {column}")), "{row}: {e}");
        }
    }
}
