//! Report photos from Telegram: what a message offers (a photo, or an image sent as a file),
//! and getFile plus the download; `media` cleans and stores the bytes.

use std::path::Path;

use teloxide::net::Download;
use teloxide::prelude::*;

use crate::ops::api::call;
use crate::reports::media::{self, MediaError};
use crate::reports::{Photo, PhotoSource};

/// Telegram's limit for files a bot may download.
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;

/// What a message offers as a report photo, before it is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub file_id: String,
    pub size: Option<u64>,
    pub source: PhotoSource,
}

/// Why a message is not a usable photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAPhoto {
    /// A document that is not an image (a PDF, a video file, ...).
    NotAnImage,
    /// Something else: text, a sticker, a voice message, ...
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the file is over Telegram's 20 MB download limit")]
    TooBig,
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("telegram: {0}")]
    Telegram(#[from] teloxide::RequestError),
    #[error("download: {0}")]
    Download(#[from] teloxide::DownloadError),
}

/// The largest size of a Telegram photo, or an image document.
pub fn incoming(msg: &Message) -> Result<Incoming, NotAPhoto> {
    if let Some(sizes) = msg.photo() {
        let best = sizes
            .iter()
            .max_by_key(|p| (p.width * p.height, p.file.size))
            .ok_or(NotAPhoto::Other)?;
        return Ok(Incoming {
            file_id: best.file.id.to_string(),
            size: Some(u64::from(best.file.size)),
            source: PhotoSource::Photo,
        });
    }
    if let Some(doc) = msg.document() {
        let image = doc
            .mime_type
            .as_ref()
            .is_some_and(|m| m.type_().as_str() == "image");
        if !image {
            return Err(NotAPhoto::NotAnImage);
        }
        return Ok(Incoming {
            file_id: doc.file.id.to_string(),
            size: Some(u64::from(doc.file.size)),
            source: PhotoSource::Document,
        });
    }
    Err(NotAPhoto::Other)
}

/// How many photo downloads run at once, whoever sends them; the rest wait their turn.
pub const MAX_DOWNLOADS: usize = 4;

/// A photo downloaded to a temporary file, not kept yet.
#[derive(Debug)]
pub struct Downloaded {
    /// Held until the photo is kept: reading it whole counts against the same bound.
    _permit: tokio::sync::OwnedSemaphorePermit,
    part: std::path::PathBuf,
    source: PhotoSource,
    file_id: String,
}

/// Downloads `incoming` to a file under `media_dir`, streamed (never past [`MAX_DOWNLOAD`]
/// bytes whatever Telegram said the size was). At most `downloads` permits' worth run at once;
/// keeping it ([`keep`]) then reads it whole once, so memory is bounded by that many files.
pub async fn fetch(
    bot: &Bot,
    media_dir: &Path,
    downloads: &std::sync::Arc<tokio::sync::Semaphore>,
    incoming: &Incoming,
) -> Result<Downloaded, FetchError> {
    if incoming.size.is_some_and(|s| s > MAX_DOWNLOAD) {
        return Err(FetchError::TooBig);
    }
    let permit = downloads
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| MediaError::Io(std::io::Error::other(e)))?;
    let file = match call(bot.get_file(incoming.file_id.clone().into())).await {
        Ok(file) => file,
        Err(teloxide::RequestError::Api(e)) if e.to_string().contains("too big") => {
            return Err(FetchError::TooBig)
        }
        Err(e) => return Err(e.into()),
    };
    if u64::from(file.size) > MAX_DOWNLOAD {
        return Err(FetchError::TooBig);
    }
    let part = media::incoming_path(media_dir).map_err(MediaError::Io)?;
    if let Err(e) = download_to(bot, &file.path, &part).await {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(e);
    }
    Ok(Downloaded {
        _permit: permit,
        part,
        source: incoming.source,
        file_id: incoming.file_id.clone(),
    })
}

/// Keeps a downloaded photo under `media_dir` by its hash, cleaned if it came as a document
/// (read whole into memory once, on a blocking thread: at most 20 MB each).
pub async fn keep(media_dir: &Path, d: Downloaded) -> Result<Photo, FetchError> {
    let dir = media_dir.to_owned();
    tokio::task::spawn_blocking(move || {
        let kept = media::keep_file(&dir, &d.part, d.source, &d.file_id);
        let _ = std::fs::remove_file(&d.part);
        kept
    })
    .await
    .map_err(|e| MediaError::Io(std::io::Error::other(e)))?
    .map_err(FetchError::from)
}

/// Streams the file at `path` on Telegram's server into `to`, refusing more than
/// [`MAX_DOWNLOAD`] bytes.
async fn download_to(bot: &Bot, path: &str, to: &Path) -> Result<(), FetchError> {
    let file = tokio::fs::File::create(to)
        .await
        .map_err(|e| FetchError::Media(MediaError::Io(e)))?;
    let mut bounded = Bounded {
        inner: file,
        left: MAX_DOWNLOAD,
    };
    match bot.download_file(path, &mut bounded).await {
        Ok(()) => {}
        Err(_) if bounded.left == 0 => return Err(FetchError::TooBig),
        Err(e) => return Err(e.into()),
    }
    tokio::io::AsyncWriteExt::flush(&mut bounded.inner)
        .await
        .map_err(|e| FetchError::Media(MediaError::Io(e)))
}

/// A writer that fails once more than `left` bytes were offered to it.
struct Bounded<W> {
    inner: W,
    left: u64,
}

impl<W: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Bounded<W> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if buf.len() as u64 > self.left {
            self.left = 0;
            return std::task::Poll::Ready(Err(std::io::Error::other("file too big")));
        }
        let this = &mut *self;
        let n = std::task::ready!(std::pin::Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.left -= n as u64;
        std::task::Poll::Ready(Ok(n))
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
