//! The stations file: `code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,
//! parking_spots,phone`. Every row is parsed into a [`Station`] before anything is written, so a
//! file with one bad row imports nothing.

use std::collections::HashMap;

use super::{Hours, Kind, Service, Services, Station, StationCode};
use crate::csvfile::{self, CsvError, CsvFile, Row};
use crate::geo::Datum;

pub const COLUMNS: &[&str] = &[
    "code",
    "name_zh",
    "name_en",
    "kind",
    "address",
    "lat",
    "lng",
    "datum",
    "hours",
    "services",
    "parking_spots",
    "phone",
];

/// Parses a whole file. Duplicate codes are an error at the second occurrence.
pub fn parse(bytes: &[u8]) -> Result<Vec<Station>, CsvError> {
    let file = CsvFile::read(bytes, COLUMNS)?;
    let mut seen: HashMap<StationCode, u64> = HashMap::new();
    // Rows with the same hours share one parsed schedule.
    let mut hours: HashMap<String, Hours> = HashMap::new();
    let mut stations = Vec::new();
    for row in file.rows() {
        let station = parse_row(&row, &mut hours)?;
        if let Some(first) = seen.insert(station.code.clone(), row.line) {
            return Err(row.error(
                "code",
                format!("code {} already appears on line {first}", station.code),
            ));
        }
        stations.push(station);
    }
    Ok(stations)
}

fn parse_row(row: &Row<'_>, cache: &mut HashMap<String, Hours>) -> Result<Station, CsvError> {
    let code = StationCode::parse(row.get("code")).ok_or_else(|| {
        row.error(
            "code",
            format!(
                "{:?} is not a station code (1-{} letters, digits, - or _)",
                row.get("code"),
                StationCode::MAX_LEN
            ),
        )
    })?;
    let kind = Kind::parse(row.get("kind")).ok_or_else(|| {
        row.error(
            "kind",
            format!(
                "{:?} is not one of centre, station, bar, community",
                row.get("kind")
            ),
        )
    })?;
    let number = |name: &str| -> Result<f64, CsvError> {
        row.get(name)
            .parse::<f64>()
            .map_err(|_| row.error(name, format!("{:?} is not a number", row.get(name))))
    };
    let (lat, lng) = (number("lat")?, number("lng")?);
    let datum = Datum::parse(row.get("datum")).ok_or_else(|| {
        row.error(
            "datum",
            format!("{:?} is not wgs84 or gcj02", row.get("datum")),
        )
    })?;
    let position = datum.to_wgs84(lat, lng).map_err(|e| {
        let col = if matches!(e, crate::geo::PositionError::Latitude(_)) {
            "lat"
        } else {
            "lng"
        };
        row.error(col, e.to_string())
    })?;
    let raw_hours = row.get("hours");
    let hours = match cache.get(raw_hours) {
        Some(h) => h.clone(),
        None => {
            let h = Hours::parse(raw_hours).map_err(|e| row.error("hours", e.why))?;
            cache.insert(raw_hours.to_owned(), h.clone());
            h
        }
    };
    let mut services = Services::default();
    for word in row.get("services").split(';').map(str::trim) {
        if word.is_empty() {
            continue;
        }
        let s = Service::parse(word).ok_or_else(|| {
            let known: Vec<_> = Service::ALL.iter().map(|s| s.as_str()).collect();
            row.error(
                "services",
                format!("{word:?} is not a service; use {}", known.join(", ")),
            )
        })?;
        services.insert(s);
    }
    let parking_spots = match row.optional("parking_spots") {
        None => 0,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| {
                row.error(
                    "parking_spots",
                    format!("{v:?} is not a whole number from 0 to 10000"),
                )
            })?,
    };
    let phone = row.optional_text("phone", 20)?;
    if let Some(p) = phone {
        if !p
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
        {
            return Err(row.error("phone", format!("{p:?} is not a phone number")));
        }
    }
    Ok(Station {
        code,
        name_zh: row.text("name_zh", 80)?.to_owned(),
        name_en: row.optional_text("name_en", 80)?.map(str::to_owned),
        kind,
        address: row.text("address", 200)?.to_owned(),
        position,
        source: (lat, lng, datum),
        hours,
        services,
        parking_spots,
        phone: phone.map(str::to_owned),
        closure: None,
    })
}

/// Writes `stations` in the import format: exporting and importing again changes nothing.
pub fn write<W: std::io::Write>(out: W, stations: &[Station]) -> Result<(), csv::Error> {
    let rows = stations.iter().map(|s| {
        vec![
            s.code.to_string(),
            s.name_zh.clone(),
            s.name_en.clone().unwrap_or_default(),
            s.kind.as_str().to_owned(),
            s.address.clone(),
            s.source.0.to_string(),
            s.source.1.to_string(),
            s.source.2.as_str().to_owned(),
            s.hours.as_str().to_owned(),
            s.services.to_list(),
            s.parking_spots.to_string(),
            s.phone.clone().unwrap_or_default(),
        ]
    });
    csvfile::write(out, COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone\n";

    fn file(rows: &str) -> Vec<u8> {
        format!("{HEAD}{rows}").into_bytes()
    }

    #[test]
    fn a_good_file_parses_and_round_trips() {
        let text = file(
            "lf-c01,娄葑暖新服务中心,Loufeng Warm Centre,centre,\"1 Road, Suzhou\",31.3,120.7,gcj02,Mo-Su 08:00-20:00,water;shelter,20,0512-1234\n\
             LF-B01,暖新服务吧,,bar,2 Road,31.31,120.71,wgs84,24/7,,,\n",
        );
        let stations = parse(&text).unwrap();
        assert_eq!(stations.len(), 2);
        assert_eq!(stations[0].code.as_str(), "LF-C01");
        assert_eq!(stations[0].services.to_list(), "shelter;water");
        // GCJ-02 is shifted a few hundred metres from WGS-84 here; the stored position is not.
        let as_written = crate::geo::Position::new(31.3, 120.7).unwrap();
        let shift = stations[0].position.distance_m(as_written);
        assert!(
            (200.0..1000.0).contains(&shift),
            "converted from GCJ-02: {shift} m"
        );
        assert_eq!(stations[1].name_en, None);
        let mut out = Vec::new();
        write(&mut out, &stations).unwrap();
        let again = parse(&out).unwrap();
        let mut out2 = Vec::new();
        write(&mut out2, &again).unwrap();
        assert_eq!(out, out2);
    }

    fn error(rows: &str) -> String {
        parse(&file(rows)).unwrap_err().to_string()
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_column() {
        let good = "A,甲,,bar,x,31.3,120.7,wgs84,24/7,water,0,\n";
        let e = error(&format!(
            "{good}B,乙,,bar,x,31.3,120.7,wgs84,Mo-Xx 08:00-20:00,,0,\n"
        ));
        assert!(e.starts_with("line 3, column 9 (hours):"), "{e}");
        let e = error(&format!("{good}a,乙,,bar,x,31.3,120.7,wgs84,24/7,,0,\n"));
        assert!(
            e.starts_with("line 3, column 1 (code): code A already appears on line 2"),
            "{e}"
        );
        let e = error("A,甲,,shop,x,31.3,120.7,wgs84,24/7,,0,\n");
        assert!(e.starts_with("line 2, column 4 (kind)"), "{e}");
        let e = error("A,甲,,bar,x,95,120.7,wgs84,24/7,,0,\n");
        assert!(e.starts_with("line 2, column 6 (lat)"), "{e}");
        let e = error("A,甲,,bar,x,31.3,120.7,bd09,24/7,,0,\n");
        assert!(e.starts_with("line 2, column 8 (datum)"), "{e}");
        let e = error("A,甲,,bar,x,31.3,120.7,wgs84,24/7,wifi,0,\n");
        assert!(e.starts_with("line 2, column 10 (services)"), "{e}");
        let e = error("A,甲,,bar,x,31.3,120.7,wgs84,24/7,,-1,\n");
        assert!(e.starts_with("line 2, column 11 (parking_spots)"), "{e}");
        let e = error("A,,,bar,x,31.3,120.7,wgs84,24/7,,0,\n");
        assert!(e.starts_with("line 2, column 2 (name_zh): is empty"), "{e}");
    }
}
