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
async fn remove_files(media_dir: PathBuf, paths: Vec<String>) {
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

/// Removes the files of `paths` that no report and no draft holds now (checked under the media
/// lock, so a photo another draft is storing at this moment is never removed under it).
pub async fn remove_unheld(env: &Env, paths: Vec<String>) {
    if paths.is_empty() {
        return;
    }
    let Ok(settings) = env.dep::<ReportSettings>() else {
        return;
    };
    let _lock = settings.media_lock.lock().await;
    remove_unheld_locked(env, paths).await;
}

/// [`remove_unheld`] for a caller that holds the media lock.
async fn remove_unheld_locked(env: &Env, paths: Vec<String>) {
    let unheld = match env.pool.acquire().await {
        Ok(mut conn) => store::unheld(&mut conn, paths).await,
        Err(e) => Err(e),
    };
    match (unheld, env.dep::<ReportSettings>()) {
        (Ok(unheld), Ok(settings)) => remove_files(settings.media_dir.clone(), unheld).await,
        (Err(e), _) => tracing::warn!(%e, "photos not removed; the sweep retries"),
        (Ok(_), Err(e)) => tracing::warn!(%e, "photos not removed; the sweep retries"),
    }
}

/// Releases `rider`'s stored draft photos other than `keep` (the draft still in progress, if
/// any) and removes their files.
pub async fn release_drafts(env: &Env, rider: UserId, keep: &[String]) -> HandlerResult {
    let mut tx = crate::db::begin_write(&env.pool).await?;
    let unused = personal::release_drafts_except(&mut tx, rider, keep).await?;
    tx.commit().await?;
    remove_unheld(env, unused).await;
    Ok(())
}

/// Records a photo just stored for `rider`'s draft and releases their other draft photos
/// except `keep` (the draft in progress, the new photo included). The caller holds the media
/// lock (the photo was stored under it).
pub async fn hold(env: &Env, rider: UserId, path: &str, keep: &[String]) -> HandlerResult {
    let mut tx = crate::db::begin_write(&env.pool).await?;
    personal::remember_draft_photo(&mut tx, rider, path, env.settings.clock.now()).await?;
    let unused = personal::release_drafts_except(&mut tx, rider, keep).await?;
    tx.commit().await?;
    remove_unheld_locked(env, unused).await;
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
    remove_unheld(env, unused).await;
    Ok(())
}
