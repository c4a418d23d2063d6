//! Positions on the earth: the WGS-84 [`Position`] newtype every capability uses, the GCJ-02
//! datum of Chinese map apps and its standard transform, and distances.
//!
//! Telegram sends WGS-84. Positions copied from Amap, Tencent or Baidu maps' GCJ-02 layer are
//! shifted by a few hundred metres inside mainland China; stored positions carry their datum and
//! are converted once, on import. The transform is the published one (the "eviltransform"
//! formulas on the Krasovsky ellipsoid); outside mainland China it is the identity, as in every
//! implementation of it.

use std::f64::consts::PI;
use std::fmt;

/// Mean earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A WGS-84 position, checked on construction: latitude in [-90, 90], longitude in
/// [-180, 180], both finite. Stored in a dialogue as `[lat, lng]`, checked again when read.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "(f64, f64)", into = "(f64, f64)")]
pub struct Position {
    lat: f64,
    lng: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    #[error("latitude {0} is not between -90 and 90")]
    Latitude(String),
    #[error("longitude {0} is not between -180 and 180")]
    Longitude(String),
}

impl Position {
    pub fn new(lat: f64, lng: f64) -> Result<Position, PositionError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(PositionError::Latitude(lat.to_string()));
        }
        if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
            return Err(PositionError::Longitude(lng.to_string()));
        }
        Ok(Position { lat, lng })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lng(self) -> f64 {
        self.lng
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(self, other: Position) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lng - self.lng).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }

    /// The point on a sphere of the earth's radius, in metres from its centre. Straight-line
    /// (chord) distance between such points grows with great-circle distance, so a spatial
    /// index over them answers nearest-neighbour questions correctly anywhere on earth.
    pub fn to_cartesian(self) -> [f64; 3] {
        let (phi, lambda) = (self.lat.to_radians(), self.lng.to_radians());
        [
            EARTH_RADIUS_M * phi.cos() * lambda.cos(),
            EARTH_RADIUS_M * phi.cos() * lambda.sin(),
            EARTH_RADIUS_M * phi.sin(),
        ]
    }

    /// The position `north_m` metres north and `east_m` metres east (flat-earth step, for
    /// distances of a few kilometres such as a sampling grid).
    pub fn offset(self, north_m: f64, east_m: f64) -> Position {
        let dlat = (north_m / EARTH_RADIUS_M).to_degrees();
        let dlng = (east_m / (EARTH_RADIUS_M * self.lat.to_radians().cos())).to_degrees();
        Position {
            lat: (self.lat + dlat).clamp(-90.0, 90.0),
            lng: (self.lng + dlng).clamp(-180.0, 180.0),
        }
    }

    /// An OpenStreetMap link centred on this position (OSM is WGS-84).
    pub fn map_url(self) -> String {
        format!(
            "https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lng:.5}#map=17/{lat:.5}/{lng:.5}",
            lat = self.lat,
            lng = self.lng
        )
    }
}

impl TryFrom<(f64, f64)> for Position {
    type Error = PositionError;
    fn try_from((lat, lng): (f64, f64)) -> Result<Position, PositionError> {
        Position::new(lat, lng)
    }
}

impl From<Position> for (f64, f64) {
    fn from(p: Position) -> (f64, f64) {
        (p.lat, p.lng)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.5},{:.5}", self.lat, self.lng)
    }
}

/// The geodetic datum a stored position was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datum {
    Wgs84,
    /// China's obfuscated "Mars" datum used by Amap, Tencent and (under BD-09) Baidu maps.
    Gcj02,
}

impl Datum {
    pub fn parse(raw: &str) -> Option<Datum> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" => Some(Datum::Wgs84),
            "gcj02" | "gcj-02" => Some(Datum::Gcj02),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
        }
    }

    /// The WGS-84 position of `(lat, lng)` written in this datum.
    pub fn to_wgs84(self, lat: f64, lng: f64) -> Result<Position, PositionError> {
        let p = Position::new(lat, lng)?;
        Ok(match self {
            Datum::Wgs84 => p,
            Datum::Gcj02 => gcj02_to_wgs84(p),
        })
    }
}

// Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm uses it.
const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// Mainland China's bounding box as the transform defines it; outside it there is no offset.
pub fn outside_china(p: Position) -> bool {
    !(72.004..=137.8347).contains(&p.lng) || !(0.8293..=55.8271).contains(&p.lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lng(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The GCJ-02 offset (degrees of latitude, longitude) at a WGS-84 position.
fn gcj_delta(lat: f64, lng: f64) -> (f64, f64) {
    let dlat = shift_lat(lng - 105.0, lat - 35.0);
    let dlng = shift_lng(lng - 105.0, lat - 35.0);
    let rad = lat.to_radians();
    let magic = 1.0 - KRASOVSKY_EE * rad.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    (
        dlat * 180.0 / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI),
        dlng * 180.0 / (KRASOVSKY_A / sqrt_magic * rad.cos() * PI),
    )
}

/// WGS-84 → GCJ-02.
pub fn wgs84_to_gcj02(p: Position) -> Position {
    if outside_china(p) {
        return p;
    }
    let (dlat, dlng) = gcj_delta(p.lat, p.lng);
    Position {
        lat: p.lat + dlat,
        lng: p.lng + dlng,
    }
}

/// GCJ-02 → WGS-84, inverted by fixed-point iteration to about a millimetre.
pub fn gcj02_to_wgs84(g: Position) -> Position {
    if outside_china(g) {
        return g;
    }
    let mut w = g;
    for _ in 0..30 {
        let there = wgs84_to_gcj02(w);
        let (elat, elng) = (there.lat - g.lat, there.lng - g.lng);
        w = Position {
            lat: w.lat - elat,
            lng: w.lng - elng,
        };
        if elat.abs() < 1e-9 && elng.abs() < 1e-9 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lng: f64) -> Position {
        Position::new(lat, lng).unwrap()
    }

    /// Published reference pairs (WGS-84, GCJ-02) from the eviltransform project's test suite:
    /// Shanghai, Shenzhen, Beijing.
    const PAIRS: [(f64, f64, f64, f64); 3] = [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    ];

    #[test]
    fn conversion_matches_published_pairs_within_a_metre() {
        for (wlat, wlng, glat, glng) in PAIRS {
            let to_gcj = wgs84_to_gcj02(p(wlat, wlng));
            assert!(
                to_gcj.distance_m(p(glat, glng)) < 1.0,
                "{to_gcj} vs {glat},{glng}"
            );
            let to_wgs = gcj02_to_wgs84(p(glat, glng));
            assert!(
                to_wgs.distance_m(p(wlat, wlng)) < 1.0,
                "{to_wgs} vs {wlat},{wlng}"
            );
        }
    }

    #[test]
    fn the_offset_in_suzhou_is_hundreds_of_metres_and_inverts_exactly() {
        let w = p(31.3245, 120.7249);
        let g = wgs84_to_gcj02(w);
        let shift = w.distance_m(g);
        assert!((300.0..800.0).contains(&shift), "shift {shift} m");
        assert!(gcj02_to_wgs84(g).distance_m(w) < 0.01);
    }

    #[test]
    fn no_offset_outside_mainland_china() {
        for w in [p(51.5, -0.12), p(35.68, 139.76), p(-33.9, 151.2)] {
            assert_eq!(wgs84_to_gcj02(w), w);
            assert_eq!(gcj02_to_wgs84(w), w);
        }
    }

    #[test]
    fn distances_are_great_circle_metres() {
        // One degree of latitude is about 111.2 km.
        let d = p(31.0, 120.0).distance_m(p(32.0, 120.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        assert_eq!(p(31.0, 120.0).distance_m(p(31.0, 120.0)), 0.0);
        let q = p(31.3, 120.7).offset(300.0, -400.0);
        assert!((p(31.3, 120.7).distance_m(q) - 500.0).abs() < 1.0);
    }

    #[test]
    fn positions_out_of_range_are_refused() {
        assert!(Position::new(91.0, 0.0).is_err());
        assert!(Position::new(0.0, 180.5).is_err());
        assert!(Position::new(f64::NAN, 0.0).is_err());
        assert!(Datum::parse("GCJ02") == Some(Datum::Gcj02));
        assert!(Datum::parse("bd09").is_none());
    }
}
