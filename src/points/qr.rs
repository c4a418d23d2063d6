//! A redemption code as a QR image (PNG), for the coordinator's phone camera. The QR symbol is
//! computed by the `qrcode` crate; the PNG is drawn module by module with a quiet zone.

use qrcode::{Color, QrCode};

/// Pixels per module and the quiet zone (in modules) the QR specification asks for.
const SCALE: usize = 8;
const QUIET: usize = 4;

pub fn png(content: &str) -> Result<Vec<u8>, QrError> {
    let code = QrCode::new(content.as_bytes()).map_err(|e| QrError(e.to_string()))?;
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % width + QUIET, i / width + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| QrError(e.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| QrError(e.to_string()))?;
    writer.finish().map_err(|e| QrError(e.to_string()))?;
    Ok(out)
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the QR code: {0}")]
pub struct QrError(String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_becomes_a_square_png_with_a_quiet_zone() {
        let png = png("https://t.me/rider_bot?start=rd-ABCD2345").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = ::png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.width, info.height);
        // The corner (quiet zone) is white; the finder pattern's corner just inside it is dark.
        assert_eq!(buf[0], 255);
        let inside = QUIET * SCALE;
        assert_eq!(buf[inside * info.width as usize + inside], 0);
    }
}
