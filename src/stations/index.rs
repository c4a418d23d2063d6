//! The in-memory spatial index: an R*-tree (`rstar`) over every station's position on the
//! sphere, and the [`Directory`] that keeps it in step with the `stations` table.
//!
//! Points are stored as earth-centred cartesian coordinates, where straight-line distance grows
//! with great-circle distance, so nearest-neighbour order is right at any latitude and across
//! the antimeridian; distances shown to riders are converted back to metres along the surface.

use std::collections::HashMap;
use std::sync::Arc;

use crate::db::Pool;
use chrono::{DateTime, Utc};
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::store::{self, Revision};
use super::{Station, StationCode};
use crate::geo::{Position, EARTH_RADIUS_M};

type Entry = GeomWithData<[f64; 3], u32>;

/// All stations, with an R-tree for nearest-neighbour queries. Cloning is cheap enough to do
/// on a change while queries still hold the previous version (stations are shared).
#[derive(Clone)]
pub struct StationIndex {
    stations: Vec<Arc<Station>>,
    by_code: HashMap<StationCode, u32>,
    tree: RTree<Entry>,
}

impl StationIndex {
    pub fn new(stations: Vec<Station>) -> StationIndex {
        let stations: Vec<Arc<Station>> = stations.into_iter().map(Arc::new).collect();
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

    pub fn stations(&self) -> impl Iterator<Item = &Station> {
        self.stations.iter().map(|s| &**s)
    }

    pub fn get(&self, code: &StationCode) -> Option<&Station> {
        self.by_code.get(code).map(|&i| &*self.stations[i as usize])
    }

    /// Applies new versions of stations (by code): changed ones are replaced, and moved in the
    /// tree if their position changed; unknown codes are added.
    pub fn apply(&mut self, changed: Vec<Station>) {
        for station in changed {
            let point = station.position.to_cartesian();
            match self.by_code.get(&station.code) {
                Some(&i) => {
                    let old = self.stations[i as usize].position.to_cartesian();
                    if old != point {
                        self.tree.remove(&GeomWithData::new(old, i));
                        self.tree.insert(GeomWithData::new(point, i));
                    }
                    self.stations[i as usize] = Arc::new(station);
                }
                None => {
                    let i = self.stations.len() as u32;
                    self.by_code.insert(station.code.clone(), i);
                    self.tree.insert(GeomWithData::new(point, i));
                    self.stations.push(Arc::new(station));
                }
            }
        }
    }

    /// Stations in order of distance from `from`, lazily, with that distance in metres.
    pub fn nearest(&self, from: Position) -> impl Iterator<Item = (&Station, f64)> + '_ {
        self.tree
            .nearest_neighbor_iter_with_distance_2(from.to_cartesian())
            .map(|(entry, chord2)| (&*self.stations[entry.data as usize], chord_to_arc(chord2)))
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

/// The current [`StationIndex`], kept in step with the `stations` table. Triggers bump a
/// revision counter on every change (and a second one on every deletion); when the counter has
/// moved since the last query, the rows whose `updated_at` is newer than the newest the index
/// has seen are applied to it. A deletion, or a revision that moved with no newer row (a clock
/// stepped back between two writers), rebuilds it from the whole table instead. So an import
/// from the CLI or another process, or a closure, is seen by the next query. Cloning shares the
/// cache.
#[derive(Clone, Default)]
pub struct Directory {
    cache: Arc<tokio::sync::Mutex<Option<Snapshot>>>,
}

/// An index, the table revision it reflects, and the newest `updated_at` among its rows.
struct Snapshot {
    revision: Revision,
    watermark: Option<DateTime<Utc>>,
    index: Arc<StationIndex>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Directory")
    }
}

impl Directory {
    pub async fn current(&self, pool: &Pool) -> Result<Arc<StationIndex>, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        let revision = store::revision(&mut conn).await?;
        drop(conn);
        let mut cache = self.cache.lock().await;
        if let Some(snap) = cache.as_mut() {
            if snap.revision == revision {
                return Ok(snap.index.clone());
            }
            if snap.revision.deletes == revision.deletes {
                // The changes and their revision from one snapshot.
                let mut tx = crate::db::begin_read(pool).await?;
                let revision = store::revision(&mut tx).await?;
                let changed = store::changed_since(&mut tx, snap.watermark).await?;
                let watermark = store::watermark(&mut tx).await?;
                tx.commit().await?;
                if revision.deletes == snap.revision.deletes && !changed.is_empty() {
                    let rows = changed.len();
                    Arc::make_mut(&mut snap.index).apply(changed);
                    snap.revision = revision;
                    snap.watermark = watermark;
                    tracing::info!(revision = revision.n, rows, "station index updated");
                    return Ok(snap.index.clone());
                }
            }
        }
        // First use, a deletion, or changes the watermark cannot find: the whole table.
        let mut tx = crate::db::begin_read(pool).await?;
        let revision = store::revision(&mut tx).await?;
        let watermark = store::watermark(&mut tx).await?;
        let stations = store::all(&mut tx).await?;
        tx.commit().await?;
        let index = Arc::new(StationIndex::new(stations));
        tracing::info!(
            revision = revision.n,
            stations = index.len(),
            "station index built"
        );
        *cache = Some(Snapshot {
            revision,
            watermark,
            index: index.clone(),
        });
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone\n";

    fn nearest_code(index: &StationIndex, lat: f64, lng: f64) -> String {
        let (s, _) = index
            .nearest(Position::new(lat, lng).unwrap())
            .next()
            .unwrap();
        s.code.to_string()
    }

    #[tokio::test]
    async fn the_directory_follows_inserts_moves_closures_and_deletes() {
        let (_dir, pool) = crate::db::testing::scratch().await;
        let import = |rows: &str| {
            let bytes = format!("{HEAD}{rows}").into_bytes();
            let pool = pool.clone();
            async move { super::super::domain::import(&pool, &bytes).await.unwrap() }
        };
        import(
            "A,甲,,bar,x,31.30,120.70,wgs84,24/7,,0,\nB,乙,,bar,x,31.40,120.80,wgs84,24/7,,0,\n",
        )
        .await;
        let directory = Directory::default();
        let first = directory.current(&pool).await.unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(nearest_code(&first, 31.31, 120.71), "A");
        // Unchanged table: the same index, not a rebuild.
        assert!(Arc::ptr_eq(
            &first,
            &directory.current(&pool).await.unwrap()
        ));

        // A moves far away and C arrives next to where A was: applied in place.
        import(
            "A,甲,,bar,x,31.90,121.20,wgs84,24/7,,0,\nC,丙,,bar,x,31.301,120.701,wgs84,24/7,,0,\n",
        )
        .await;
        let moved = directory.current(&pool).await.unwrap();
        assert_eq!(moved.len(), 3);
        assert_eq!(nearest_code(&moved, 31.31, 120.71), "C");
        assert_eq!(nearest_code(&moved, 31.89, 121.19), "A");
        // The earlier version is untouched for whoever still holds it.
        assert_eq!(nearest_code(&first, 31.31, 120.71), "A");

        // A closure made through another connection is seen.
        let mut conn = pool.acquire().await.unwrap();
        let code = StationCode::parse("C").unwrap();
        let closure = super::super::Closure {
            until: None,
            reason: Some("repairs".into()),
        };
        store::set_closure(&mut conn, &code, Some(&closure))
            .await
            .unwrap();
        let closed = directory.current(&pool).await.unwrap();
        assert_eq!(closed.get(&code).unwrap().closure, Some(closure));

        // A deleted station (by hand; the bot never deletes) forces a rebuild without it.
        sqlx::query("DELETE FROM stations WHERE code = 'C'")
            .execute(&mut *conn)
            .await
            .unwrap();
        let rebuilt = directory.current(&pool).await.unwrap();
        assert_eq!(rebuilt.len(), 2);
        assert!(rebuilt.get(&code).is_none());
        assert_eq!(nearest_code(&rebuilt, 31.31, 120.71), "B");
    }

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
