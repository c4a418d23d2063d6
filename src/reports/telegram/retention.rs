//! Photos that do not outstay their use: a draft's files go when the draft ends without being
//! filed (cancelled, replaced, erased), a rider's drafts never hold more than one draft's
//! photos, and photos of reports closed longer than `PHOTO_RETENTION_DAYS` are deleted (the
//! report stays, with a note that its photos were removed).

use std::path::PathBuf;

use crate::bot::core::{Env, HandlerResult};
use crate::reports::{personal, store};
use crate::users::UserId;

use super::ReportSettings;

/// Deletes files under the media folder (off the async threads). A file already gone is fine;
/// any other failure is logged and left for the daily orphan sweep.
pub async fn remove_files(media_dir: PathBuf, paths: Vec<String>) {
    if paths.is_empty() {
        return;
    }
    let result = tokio::task::spawn_blocking(move || {
        for rel in paths {
            match std::fs::remove_file(media_dir.join(&rel)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(path = rel, %e, "photo not removed; the sweep retries"),
            }
        }
    })
    .await;
    if let Err(e) = result {
        tracing::warn!(%e, "photo removal did not finish");
    }
}

/// Releases `rider`'s stored draft photos other than `keep` (the draft still in progress, if
/// any) and removes their files.
pub async fn release_drafts(env: &Env, rider: UserId, keep: &[String]) -> HandlerResult {
    let mut tx = crate::db::begin_write(&env.pool).await?;
    let unused = personal::release_drafts_except(&mut tx, rider, keep).await?;
    tx.commit().await?;
    let dir = env.dep::<ReportSettings>()?.media_dir.clone();
    remove_files(dir, unused).await;
    Ok(())
}

/// Records a photo just stored for `rider`'s draft and releases their other draft photos
/// except `keep` (the draft in progress, the new photo included).
pub async fn hold(env: &Env, rider: UserId, path: &str, keep: &[String]) -> HandlerResult {
    let mut tx = crate::db::begin_write(&env.pool).await?;
    personal::remember_draft_photo(&mut tx, rider, path, env.settings.clock.now()).await?;
    let unused = personal::release_drafts_except(&mut tx, rider, keep).await?;
    tx.commit().await?;
    let dir = env.dep::<ReportSettings>()?.media_dir.clone();
    remove_files(dir, unused).await;
    Ok(())
}

/// Deletes the photos of reports closed longer than the retention period (daily).
pub async fn expire_photos(env: &Env) -> HandlerResult {
    let settings = env.dep::<ReportSettings>()?;
    let before = env.settings.clock.now() - settings.photo_retention;
    let mut tx = crate::db::begin_write(&env.pool).await?;
    let unused = store::remove_closed_photos(&mut tx, before, env.settings.clock.now()).await?;
    tx.commit().await?;
    if !unused.is_empty() {
        tracing::info!(
            files = unused.len(),
            "photos of long-closed reports removed"
        );
    }
    remove_files(settings.media_dir.clone(), unused).await;
    Ok(())
}
