//! The "10-minute warm service circle", measured: the district (the stations' bounding box and
//! a margin) is sampled on a grid, and each point is covered when an open station is within ten
//! e-bike minutes in a straight line. Also drawn as a PNG map.

use chrono::{DateTime, Utc};

use super::domain::{self, Availability, Reach};
use super::index::StationIndex;
use crate::geo::Position;

/// The circle's size, in e-bike minutes.
pub const CIRCLE_MINUTES: f64 = 10.0;
/// Margin around the stations' bounding box.
pub const MARGIN_M: f64 = 500.0;
/// Samples along the longer side of the area (at least 100 m apart).
const SAMPLES_PER_SIDE: f64 = 60.0;
const MIN_SPACING_M: f64 = 100.0;
/// How many candidates are tried when looking for an open station from a sample point.
const CANDIDATES: usize = 500;

/// A sample point and the distance to the nearest open station (`None`: none open anywhere
/// near).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spot {
    pub position: Position,
    pub distance_m: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Coverage {
    pub at: DateTime<Utc>,
    pub rows: usize,
    pub cols: usize,
    pub spacing_m: f64,
    /// Samples, row by row from the north-west corner.
    pub spots: Vec<Spot>,
    pub covered: usize,
    /// Reach of the circle, metres.
    pub circle_m: f64,
}

impl Coverage {
    /// Samples the area around `index`'s stations at `at`. `None` without stations.
    pub fn measure(index: &StationIndex, reach: Reach, at: DateTime<Utc>) -> Option<Coverage> {
        let (sw, ne) = index.bounds()?;
        let sw = sw.offset(-MARGIN_M, -MARGIN_M);
        let ne = ne.offset(MARGIN_M, MARGIN_M);
        let nw = Position::new(ne.lat(), sw.lng()).ok()?;
        let height = sw.distance_m(nw);
        let width = nw.distance_m(ne);
        let spacing_m = (height.max(width) / SAMPLES_PER_SIDE).max(MIN_SPACING_M);
        let rows = (height / spacing_m).floor() as usize + 1;
        let cols = (width / spacing_m).floor() as usize + 1;
        let circle_m = reach.metres_in(CIRCLE_MINUTES);
        let mut spots = Vec::with_capacity(rows * cols);
        let mut covered = 0;
        for r in 0..rows {
            for c in 0..cols {
                let position = nw.offset(-(r as f64) * spacing_m, c as f64 * spacing_m);
                let distance_m =
                    domain::nearest_open(index, position, reach, at, CANDIDATES).map(|(_, d)| d);
                if distance_m.is_some_and(|d| d <= circle_m) {
                    covered += 1;
                }
                spots.push(Spot {
                    position,
                    distance_m,
                });
            }
        }
        Some(Coverage {
            at,
            rows,
            cols,
            spacing_m,
            spots,
            covered,
            circle_m,
        })
    }

    /// Share of sample points covered, 0–100.
    pub fn percent(&self) -> f64 {
        100.0 * self.covered as f64 / self.spots.len().max(1) as f64
    }

    /// The `n` worst-covered spots, furthest from help first, at least a few grid steps apart
    /// so they are different places rather than one corner five times.
    pub fn worst(&self, n: usize) -> Vec<Spot> {
        let mut sorted: Vec<Spot> = self.spots.clone();
        let key = |s: &Spot| s.distance_m.unwrap_or(f64::INFINITY);
        sorted.sort_by(|a, b| key(b).total_cmp(&key(a)));
        let apart = (3.0 * self.spacing_m).max(1000.0);
        let mut picked: Vec<Spot> = Vec::with_capacity(n);
        for s in sorted {
            if picked.len() == n {
                break;
            }
            if picked
                .iter()
                .all(|p| p.position.distance_m(s.position) >= apart)
            {
                picked.push(s);
            }
        }
        picked
    }

    /// A map: each sample a square coloured by minutes to the nearest open station (green ≤ 5,
    /// light green ≤ 10, orange ≤ 15, red beyond), stations as dots (blue open, black closed).
    pub fn render_png(
        &self,
        index: &StationIndex,
        reach: Reach,
    ) -> Result<Vec<u8>, png::EncodingError> {
        let cell = (600 / self.rows.max(self.cols)).clamp(4, 24);
        let (w, h) = (self.cols * cell, self.rows * cell);
        let mut pixels = vec![255u8; w * h * 3];
        let mut paint = |x: usize, y: usize, rgb: [u8; 3]| {
            if x < w && y < h {
                let i = (y * w + x) * 3;
                pixels[i..i + 3].copy_from_slice(&rgb);
            }
        };
        let per_minute = reach.metres_in(1.0);
        for (i, spot) in self.spots.iter().enumerate() {
            let minutes = spot.distance_m.map_or(f64::INFINITY, |d| d / per_minute);
            let rgb = match minutes {
                m if m <= 5.0 => [46, 160, 67],
                m if m <= 10.0 => [163, 210, 99],
                m if m <= 15.0 => [253, 174, 97],
                _ => [215, 48, 39],
            };
            let (r, c) = (i / self.cols, i % self.cols);
            for y in r * cell..(r + 1) * cell {
                for x in c * cell..(c + 1) * cell {
                    paint(x, y, rgb);
                }
            }
        }
        let nw = self.spots[0].position;
        for s in index.stations() {
            let north = (nw.lat() - s.position.lat()).to_radians() * crate::geo::EARTH_RADIUS_M;
            let east = (s.position.lng() - nw.lng()).to_radians()
                * crate::geo::EARTH_RADIUS_M
                * nw.lat().to_radians().cos();
            let (x, y) = (
                (east / self.spacing_m * cell as f64) as i64 + cell as i64 / 2,
                (north / self.spacing_m * cell as f64) as i64 + cell as i64 / 2,
            );
            let rgb = if Availability::at(s, self.at, reach).welcomes() {
                [33, 102, 172]
            } else {
                [20, 20, 20]
            };
            for dy in -3i64..=3 {
                for dx in -3i64..=3 {
                    if dx * dx + dy * dy <= 9 && x + dx >= 0 && y + dy >= 0 {
                        paint((x + dx) as usize, (y + dy) as usize, rgb);
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stations::Station;
    use chrono::TimeZone;

    fn station(code: &str, north_m: f64, east_m: f64, hours: &str) -> Station {
        crate::stations::test_station(code, (north_m, east_m), hours, &[])
    }

    #[test]
    fn coverage_falls_when_stations_close_and_the_worst_spot_is_far_from_them() {
        // Two stations 4 km apart: at noon both open, at 22:00 only the western one.
        let index = StationIndex::new(vec![
            station("W", 0.0, 0.0, "24/7"),
            station("E", 0.0, 4000.0, "Mo-Su 08:00-20:00"),
        ]);
        let reach = Reach {
            margin: chrono::Duration::minutes(15),
            radius_m: 5000.0,
            speed_kmh: 15.0,
            tz: chrono_tz::Asia::Shanghai,
        };
        let noon = Utc.with_ymd_and_hms(2026, 12, 2, 4, 0, 0).unwrap();
        let night = Utc.with_ymd_and_hms(2026, 12, 2, 14, 0, 0).unwrap();
        let day = Coverage::measure(&index, reach, noon).unwrap();
        let late = Coverage::measure(&index, reach, night).unwrap();
        assert!(day.percent() > 99.0, "{}", day.percent());
        // The strip is 5 km long and the western station reaches 3 km of it.
        assert!((55.0..65.0).contains(&late.percent()), "{}", late.percent());
        let worst = late.worst(5);
        assert_eq!(worst.len(), 5);
        // The worst spot now is at the eastern edge, 4.5 km from the western station.
        let d = worst[0].distance_m.unwrap();
        assert!((4400.0..4600.0).contains(&d), "{d}");
        for pair in worst.windows(2) {
            assert!(pair[0].distance_m >= pair[1].distance_m);
        }
        let png = late.render_png(&index, reach).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
