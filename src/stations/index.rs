//! The in-memory spatial index: an R*-tree (`rstar`) over every station's position on the
//! sphere, and the [`Directory`] that keeps it in step with the `stations` table.
//!
//! Points are stored as earth-centred cartesian coordinates, where straight-line distance grows
//! with great-circle distance, so nearest-neighbour order is right at any latitude and across
//! the antimeridian; distances shown to riders are converted back to metres along the surface.

use std::collections::HashMap;
use std::sync::Arc;

use rstar::primitives::GeomWithData;
use rstar::RTree;
use sqlx::SqlitePool;

use super::{store, Station, StationCode};
use crate::geo::{Position, EARTH_RADIUS_M};

type Entry = GeomWithData<[f64; 3], u32>;

/// All stations, with an R-tree for nearest-neighbour queries.
pub struct StationIndex {
    stations: Vec<Station>,
    by_code: HashMap<StationCode, u32>,
    tree: RTree<Entry>,
}

impl StationIndex {
    pub fn new(stations: Vec<Station>) -> StationIndex {
        let entries = stations
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new(s.position.to_cartesian(), i as u32))
            .collect();
        let by_code = stations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.code.clone(), i as u32))
            .collect();
        StationIndex {
            stations,
            by_code,
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn len(&self) -> usize {
        self.stations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stations.is_empty()
    }

    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    pub fn get(&self, code: &StationCode) -> Option<&Station> {
        self.by_code.get(code).map(|&i| &self.stations[i as usize])
    }

    /// Stations in order of distance from `from`, lazily, with that distance in metres.
    pub fn nearest(&self, from: Position) -> impl Iterator<Item = (&Station, f64)> + '_ {
        self.tree
            .nearest_neighbor_iter_with_distance_2(from.to_cartesian())
            .map(|(entry, chord2)| (&self.stations[entry.data as usize], chord_to_arc(chord2)))
    }

    /// The south-west and north-east corners of the box around all stations.
    pub fn bounds(&self) -> Option<(Position, Position)> {
        let first = self.stations.first()?.position;
        let (mut lo, mut hi) = ((first.lat(), first.lng()), (first.lat(), first.lng()));
        for s in &self.stations {
            let p = s.position;
            lo = (lo.0.min(p.lat()), lo.1.min(p.lng()));
            hi = (hi.0.max(p.lat()), hi.1.max(p.lng()));
        }
        Some((
            Position::new(lo.0, lo.1).ok()?,
            Position::new(hi.0, hi.1).ok()?,
        ))
    }
}

/// Great-circle metres for a squared chord length.
fn chord_to_arc(chord2: f64) -> f64 {
    let half = (chord2.sqrt() / (2.0 * EARTH_RADIUS_M)).min(1.0);
    2.0 * EARTH_RADIUS_M * half.asin()
}

/// The current [`StationIndex`], rebuilt when the table's revision counter moves (an import,
/// a closure, or another process writing to the same file). Cloning shares the cache.
#[derive(Clone, Default)]
pub struct Directory {
    cache: Arc<tokio::sync::Mutex<Option<Snapshot>>>,
}

/// An index and the table revision it was built from.
type Snapshot = (i64, Arc<StationIndex>);

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Directory")
    }
}

impl Directory {
    pub async fn current(&self, pool: &SqlitePool) -> Result<Arc<StationIndex>, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let revision = store::revision(&mut conn).await?;
        let mut cache = self.cache.lock().await;
        if let Some((seen, index)) = cache.as_ref() {
            if *seen == revision {
                return Ok(index.clone());
            }
        }
        // The rows and their revision from one snapshot.
        let mut tx = pool.begin().await?;
        let revision = store::revision(&mut tx).await?;
        let stations = store::all(&mut tx).await?;
        tx.commit().await?;
        let index = Arc::new(StationIndex::new(stations));
        tracing::info!(revision, stations = index.len(), "station index rebuilt");
        *cache = Some((revision, index.clone()));
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chord_distances_become_surface_distances() {
        let a = Position::new(31.30, 120.70).unwrap();
        let b = Position::new(31.32, 120.73).unwrap();
        let [x1, y1, z1] = a.to_cartesian();
        let [x2, y2, z2] = b.to_cartesian();
        let chord2 = (x1 - x2).powi(2) + (y1 - y2).powi(2) + (z1 - z2).powi(2);
        assert!((chord_to_arc(chord2) - a.distance_m(b)).abs() < 0.01);
    }
}
