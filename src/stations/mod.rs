//! Warm-up stations: where a rider can rest, charge, drink and get warm.
//!
//! - [`csv`]: the import/export file format, parsed row by row into [`Station`]s.
//! - [`hours`]: opening hours (OpenStreetMap syntax) and whether a station is open now.
//! - [`index`]: the in-memory R-tree over all stations, kept in step with the table.
//! - [`domain`]: nearest-station ranking, closures, coverage of the "10-minute circle".
//! - [`store`]: the SQL.
//! - [`telegram`]: the location reply, its buttons, `/station` and `/coverage`.

pub mod coverage;
pub mod csv;
pub mod domain;
pub mod hours;
pub mod index;
pub mod presence;
pub mod store;
pub mod telegram;
pub mod visits;

use chrono::{DateTime, Utc};

use crate::geo::{Datum, Position};
use crate::i18n::Lang;
pub use hours::Hours;

crate::code_type!(
    /// A station's code: 1–24 characters of A–Z, 0–9, `-` and `_`, upper-cased. It fits in
    /// callback data and in a `/start` deep link.
    StationCode,
    Upper
);

/// The "1+1+1+N" cluster: one service centre, one station, one service bar, N community centres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Centre,
    Station,
    Bar,
    Community,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Centre, Kind::Station, Kind::Bar, Kind::Community];

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Centre => "centre",
            Kind::Station => "station",
            Kind::Bar => "bar",
            Kind::Community => "community",
        }
    }
}

/// What a station offers. The order is the order riders see them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Shelter,
    Charging,
    Water,
    Meals,
    Toilet,
    Health,
    Medicine,
    Parking,
    Microwave,
    Reading,
    Legal,
    Counselling,
}

impl Service {
    pub const ALL: [Service; 12] = [
        Service::Shelter,
        Service::Charging,
        Service::Water,
        Service::Meals,
        Service::Toilet,
        Service::Health,
        Service::Medicine,
        Service::Parking,
        Service::Microwave,
        Service::Reading,
        Service::Legal,
        Service::Counselling,
    ];

    /// The needs offered as filter buttons, most asked-for first.
    pub const FILTERS: [Service; 6] = [
        Service::Charging,
        Service::Water,
        Service::Toilet,
        Service::Meals,
        Service::Health,
        Service::Shelter,
    ];

    pub fn parse(raw: &str) -> Option<Service> {
        Service::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    /// The word used in CSV files and callback data.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Shelter => "shelter",
            Service::Charging => "charging",
            Service::Water => "water",
            Service::Meals => "meals",
            Service::Toilet => "toilet",
            Service::Health => "health",
            Service::Medicine => "medicine",
            Service::Parking => "parking",
            Service::Microwave => "microwave",
            Service::Reading => "reading",
            Service::Legal => "legal",
            Service::Counselling => "counselling",
        }
    }

    pub fn icon(self) -> &'static str {
        match self {
            Service::Shelter => "🏠",
            Service::Charging => "🔌",
            Service::Water => "💧",
            Service::Meals => "🍱",
            Service::Toilet => "🚻",
            Service::Health => "🩺",
            Service::Medicine => "💊",
            Service::Parking => "🅿️",
            Service::Microwave => "♨️",
            Service::Reading => "📚",
            Service::Legal => "⚖️",
            Service::Counselling => "💬",
        }
    }

    /// The short word riders read, e.g. "charging" / "充电".
    pub fn word(self, lang: Lang) -> String {
        crate::tr!(lang, "service-word", service = self.as_str())
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of services, as a bit set (filtering a million stations must not allocate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Services(u16);

impl Services {
    pub fn contains(self, s: Service) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn insert(&mut self, s: Service) {
        self.0 |= s.bit();
    }

    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The `;`-list of the CSV format, in canonical order.
    pub fn to_list(self) -> String {
        self.iter()
            .map(Service::as_str)
            .collect::<Vec<_>>()
            .join(";")
    }
}

impl FromIterator<Service> for Services {
    fn from_iter<I: IntoIterator<Item = Service>>(iter: I) -> Self {
        let mut set = Services::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

/// A temporary closure set by a coordinator. Without `until` it lasts until reopened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub until: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

impl Closure {
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// One station, as imported. `position` is WGS-84; `source` is what the file said, kept so
/// an export gives back exactly what was imported.
#[derive(Debug, Clone)]
pub struct Station {
    pub code: StationCode,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub kind: Kind,
    pub address: String,
    pub position: Position,
    pub source: (f64, f64, Datum),
    pub hours: Hours,
    pub services: Services,
    pub parking_spots: u32,
    pub phone: Option<String>,
    pub closure: Option<Closure>,
}

impl Station {
    /// The name in the rider's language (the Chinese name where there is no English one).
    pub fn name(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.name_zh, self.name_en.as_deref())
    }

    /// The closure in force at `now`, if any.
    pub fn closed_by_coordinator(&self, now: DateTime<Utc>) -> Option<&Closure> {
        self.closure.as_ref().filter(|c| c.in_force(now))
    }
}

/// A station `north_m` and `east_m` from 31.3 N, 120.7 E, for tests.
#[cfg(test)]
pub(crate) fn test_station(
    code: &str,
    (north_m, east_m): (f64, f64),
    hours: &str,
    services: &[Service],
) -> Station {
    let position = Position::new(31.3, 120.7).unwrap().offset(north_m, east_m);
    Station {
        code: StationCode::parse(code).unwrap(),
        name_zh: code.into(),
        name_en: None,
        kind: Kind::Community,
        address: "x".into(),
        position,
        source: (position.lat(), position.lng(), Datum::Wgs84),
        hours: Hours::parse(hours).unwrap(),
        services: services.iter().copied().collect(),
        parking_spots: 0,
        phone: None,
        closure: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_safe_and_upper_case() {
        assert_eq!(StationCode::parse(" lf-c01 ").unwrap().as_str(), "LF-C01");
        assert!(StationCode::parse("").is_none());
        assert!(StationCode::parse("a b").is_none());
        assert!(StationCode::parse("站点").is_none());
        assert!(StationCode::parse(&"X".repeat(25)).is_none());
    }

    #[test]
    fn service_sets_keep_canonical_order() {
        let set: Services = [Service::Water, Service::Shelter, Service::Counselling]
            .into_iter()
            .collect();
        assert_eq!(set.to_list(), "shelter;water;counselling");
        assert!(set.contains(Service::Water));
        assert!(!set.contains(Service::Charging));
        for s in Service::ALL {
            assert_eq!(Service::parse(s.as_str()), Some(s));
        }
    }
}
