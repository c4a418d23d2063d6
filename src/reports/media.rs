//! Report photos on disk: metadata stripped from images sent as documents (a phone's original
//! file carries EXIF with the GPS position, the device and the time), stored under `MEDIA_DIR`
//! by the SHA-256 of their bytes. Fetching them from Telegram is `telegram::photos`.
//!
//! Telegram's own photos are re-encoded by Telegram without metadata and are stored as they
//! come. A file is written to a temporary name and renamed, so a crash never leaves half a
//! photo under a real name; the same photo sent twice is one file.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::ImageEXIF;
use sha2::{Digest, Sha256};

use super::{Photo, PhotoSource};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is damaged: {0}")]
    Damaged(String),
    #[error("cannot store the photo: {0}")]
    Io(#[from] std::io::Error),
}

/// An image format this module can clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    WebP,
}

impl ImageKind {
    /// The format from the file's first bytes (a file name or MIME type can lie).
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::WebP)
        } else {
            None
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::WebP => "webp",
        }
    }
}

/// The image without EXIF, XMP, IPTC, comments or text chunks; pixels untouched (no
/// re-encoding). Colour information (JFIF, ICC profile, Adobe transform) stays.
pub fn strip_metadata(bytes: Vec<u8>) -> Result<(Vec<u8>, ImageKind), MediaError> {
    let kind = ImageKind::sniff(&bytes).ok_or(MediaError::NotAnImage)?;
    let bytes = Bytes::from(bytes);
    let damaged = |e: img_parts::Error| MediaError::Damaged(e.to_string());
    let out = match kind {
        ImageKind::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(damaged)?;
            // APP1 holds EXIF and XMP, APP13 IPTC; APP3-APP15 are vendor data. APP0 (JFIF),
            // APP2 (ICC) and APP14 (Adobe colour transform) are needed to show the colours.
            jpeg.segments_mut().retain(|s| {
                let m = s.marker();
                let app = (markers::APP0..=markers::APP15).contains(&m);
                let keep_app = matches!(m, markers::APP0 | markers::APP2 | markers::APP14);
                (keep_app || !app) && m != markers::COM
            });
            jpeg.encoder().bytes()
        }
        ImageKind::Png => {
            let mut png = Png::from_bytes(bytes).map_err(damaged)?;
            png.set_exif(None);
            for kind in [*b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            png.encoder().bytes()
        }
        ImageKind::WebP => {
            let mut webp = WebP::from_bytes(bytes).map_err(damaged)?;
            webp.remove_chunks_by_id(*b"XMP ");
            webp.set_exif(None);
            webp.encoder().bytes()
        }
    };
    Ok((out.to_vec(), kind))
}

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` under `media_dir` as `ab/abcdef….ext` (the SHA-256) and returns the stored
/// photo's hash and relative path. An existing file of the same hash is kept as it is.
pub fn store(media_dir: &Path, bytes: &[u8], ext: &str) -> Result<(String, String), MediaError> {
    let hash = sha256_hex(bytes);
    let rel = format!("{}/{hash}.{ext}", &hash[..2]);
    let path = media_dir.join(&rel);
    if path.exists() {
        // Sent again: it is in use now, whatever its age (see [`remove_orphans`]).
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(std::time::SystemTime::now())?;
    } else {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir)?;
        let tmp: PathBuf = dir.join(format!(".{hash}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok((hash, rel))
}

/// Deletes photos under `media_dir` that no report holds (`kept` has the paths that reports
/// hold, relative to `media_dir`) and that were last stored longer than `older_than` ago:
/// photos of drafts that were cancelled or expired. A draft's photos are younger than its
/// dialogue can be idle, so pass more than `DIALOGUE_IDLE_MINUTES`. Returns how many went.
pub fn remove_orphans(
    media_dir: &Path,
    kept: &std::collections::HashSet<String>,
    older_than: std::time::Duration,
) -> std::io::Result<usize> {
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    let Ok(dirs) = std::fs::read_dir(media_dir) else {
        return Ok(0);
    };
    for dir in dirs.flatten() {
        let prefix = dir.file_name().to_string_lossy().into_owned();
        if prefix == ".incoming" {
            // Downloads a crash interrupted (a live one is younger than any threshold here).
            for file in std::fs::read_dir(dir.path())?.flatten() {
                let meta = file.metadata()?;
                let age = meta
                    .modified()
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .unwrap_or_default();
                if meta.is_file() && age > older_than {
                    std::fs::remove_file(file.path())?;
                    removed += 1;
                }
            }
            continue;
        }
        // Only the two-hex-digit folders this module writes.
        if prefix.len() != 2 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        for file in std::fs::read_dir(dir.path())?.flatten() {
            let rel = format!("{prefix}/{}", file.file_name().to_string_lossy());
            let meta = file.metadata()?;
            let age = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .unwrap_or_default();
            if meta.is_file() && !kept.contains(&rel) && age > older_than {
                std::fs::remove_file(file.path())?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// A fresh path for a download in progress, under `media_dir/.incoming` (created if needed).
/// Files there are not photos yet; the orphan sweep removes any a crash left behind.
pub fn incoming_path(media_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = media_dir.join(".incoming");
    std::fs::create_dir_all(&dir)?;
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(dir.join(format!("{}-{n}.part", std::process::id())))
}

/// Keeps a photo downloaded to `file` (see [`keep`]); blocking file I/O.
pub fn keep_file(
    media_dir: &Path,
    file: &Path,
    source: PhotoSource,
    file_id: &str,
) -> Result<Photo, MediaError> {
    keep(media_dir, std::fs::read(file)?, source, file_id)
}

/// Keeps a downloaded photo: an image sent as a document is cleaned first; the bytes are
/// stored by hash (blocking file I/O: run it off the async threads).
pub fn keep(
    media_dir: &Path,
    bytes: Vec<u8>,
    source: PhotoSource,
    file_id: &str,
) -> Result<Photo, MediaError> {
    let (bytes, ext) = match source {
        PhotoSource::Photo => {
            let ext = ImageKind::sniff(&bytes).map_or("jpg", ImageKind::extension);
            (bytes, ext)
        }
        PhotoSource::Document => {
            let (clean, kind) = strip_metadata(bytes)?;
            (clean, kind.extension())
        }
    };
    let (sha256, path) = store(media_dir, &bytes, ext)?;
    Ok(Photo {
        file_id: file_id.to_owned(),
        sha256,
        path,
        size: bytes.len() as u64,
        source,
    })
}

/// A tiny JPEG whose EXIF block holds a GPS position, with an XMP block and a comment: what a
/// phone's original file carries. For tests and demos (`:photo` in `rider-bot chat`).
pub fn sample_jpeg_with_exif() -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let segment = |out: &mut Vec<u8>, marker: u8, body: &[u8]| {
        out.extend([0xFF, marker]);
        out.extend(((body.len() + 2) as u16).to_be_bytes());
        out.extend(body);
    };
    segment(&mut out, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    segment(
        &mut out,
        0xE1,
        b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=30.1234",
    );
    segment(
        &mut out,
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>",
    );
    segment(&mut out, 0xFE, b"taken on my phone");
    segment(&mut out, 0xDB, &[0u8; 65]);
    segment(&mut out, 0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    segment(&mut out, 0xDA, &[1, 1, 0, 0, 0x3F, 0]);
    out.extend([0x12, 0x34, 0x56]);
    out.extend([0xFF, 0xD9]);
    out
}
#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn exif_xmp_and_comments_are_stripped_and_the_picture_kept() {
        let original = sample_jpeg_with_exif();
        let (clean, kind) = strip_metadata(original.clone()).unwrap();
        assert_eq!(kind, ImageKind::Jpeg);
        let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(has(&original, b"GPSLatitude"));
        assert!(!has(&clean, b"Exif"), "EXIF left");
        assert!(!has(&clean, b"GPSLatitude"));
        assert!(!has(&clean, b"xmpmeta"));
        assert!(!has(&clean, b"my phone"));
        assert!(has(&clean, b"JFIF"), "JFIF kept");
        // The image data is untouched: the scan and everything after it are the same bytes.
        let tail = |b: &[u8]| b[b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap()..].to_vec();
        assert_eq!(tail(&clean), tail(&original));
    }

    #[test]
    fn png_text_chunks_are_stripped_and_other_files_refused() {
        let mut png = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut png, 1, 1);
            enc.set_color(png::ColorType::Grayscale);
            enc.add_text_chunk("Author".into(), "Zhang San".into())
                .unwrap();
            let mut w = enc.write_header().unwrap();
            w.write_image_data(&[0]).unwrap();
        }
        let (clean, kind) = strip_metadata(png.clone()).unwrap();
        assert_eq!(kind, ImageKind::Png);
        let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(has(&png, b"Zhang San"));
        assert!(!has(&clean, b"Zhang San"));
        assert!(png::Decoder::new(std::io::Cursor::new(clean))
            .read_info()
            .is_ok());
        assert!(matches!(
            strip_metadata(b"%PDF-1.4 hello".to_vec()),
            Err(MediaError::NotAnImage)
        ));
        assert!(matches!(
            strip_metadata(vec![0xFF, 0xD8, 0xFF, 0x00]),
            Err(MediaError::Damaged(_))
        ));
    }

    #[test]
    fn orphans_older_than_the_threshold_go_and_kept_or_fresh_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let (_, kept_path) = store(dir.path(), b"kept", "jpg").unwrap();
        let (_, orphan) = store(dir.path(), b"orphan", "jpg").unwrap();
        let (_, fresh) = store(dir.path(), b"fresh", "jpg").unwrap();
        std::fs::write(dir.path().join("README"), "not ours").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86_400);
        for rel in [&kept_path, &orphan] {
            std::fs::File::options()
                .write(true)
                .open(dir.path().join(rel))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let kept = std::collections::HashSet::from([kept_path.clone()]);
        let day = std::time::Duration::from_secs(86_400);
        assert_eq!(remove_orphans(dir.path(), &kept, day).unwrap(), 1);
        assert!(dir.path().join(&kept_path).exists());
        assert!(!dir.path().join(&orphan).exists());
        assert!(dir.path().join(&fresh).exists());
        assert!(dir.path().join("README").exists());
        // Stored again, an old orphan is young again.
        let (_, again) = store(dir.path(), b"kept", "jpg").unwrap();
        let age = std::fs::metadata(dir.path().join(again))
            .unwrap()
            .modified()
            .unwrap();
        assert!(age > old);
    }

    #[test]
    fn stored_files_are_named_by_their_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let (hash, rel) = store(dir.path(), b"abc", "jpg").unwrap();
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(rel, format!("ba/{hash}.jpg"));
        assert_eq!(std::fs::read(dir.path().join(&rel)).unwrap(), b"abc");
        assert_eq!(store(dir.path(), b"abc", "jpg").unwrap().1, rel);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("ba")).unwrap().collect();
        assert_eq!(files.len(), 1, "no temporary file left");
    }
}
