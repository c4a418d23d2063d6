//! Report photos from Telegram: what a message offers (a photo, or an image sent as a file),
//! and getFile plus the download; `media` cleans and stores the bytes.

use std::path::Path;

use teloxide::net::Download;
use teloxide::prelude::*;

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

/// Downloads `incoming` and keeps it (cleaned if it came as a document).
pub async fn fetch(bot: &Bot, media_dir: &Path, incoming: &Incoming) -> Result<Photo, FetchError> {
    if incoming.size.is_some_and(|s| s > MAX_DOWNLOAD) {
        return Err(FetchError::TooBig);
    }
    let file = match bot.get_file(incoming.file_id.clone().into()).await {
        Ok(file) => file,
        Err(teloxide::RequestError::Api(e)) if e.to_string().contains("too big") => {
            return Err(FetchError::TooBig)
        }
        Err(e) => return Err(e.into()),
    };
    if u64::from(file.size) > MAX_DOWNLOAD {
        return Err(FetchError::TooBig);
    }
    let mut bytes = Vec::with_capacity(file.size as usize);
    bot.download_file(&file.path, &mut bytes).await?;
    let (dir, source, file_id) = (
        media_dir.to_owned(),
        incoming.source,
        incoming.file_id.clone(),
    );
    tokio::task::spawn_blocking(move || media::keep(&dir, bytes, source, &file_id))
        .await
        .map_err(|e| MediaError::Io(std::io::Error::other(e)))?
        .map_err(FetchError::from)
}
