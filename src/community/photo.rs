//! The portrait a feed may carry for a person: a PNG, base64, small. A villager who has seen the
//! face on the terminal knows the officer at the door (and a stranger who says he is one). It is
//! decoded once when the feed is checked — a bad or oversized picture refuses the whole feed, like
//! any other bad field — and again for the screen; it is never printed.

use base64::Engine as _;

/// At most this many bytes of PNG and this many pixels a side: a portrait, not a poster (and
/// nothing a decompression bomb could hide in).
pub const MAX_BYTES: usize = 48 * 1024;
pub const MAX_SIDE: u32 = 400;

/// A decoded portrait: 8-bit RGBA, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct Portrait {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Portrait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Portrait({}x{})", self.width, self.height)
    }
}

/// The portrait in `base64`, or why it cannot be shown.
pub fn decode(base64: &str) -> Result<Portrait, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64)
        .map_err(|_| "not base64".to_string())?;
    if bytes.len() > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    let limits = png::Limits {
        bytes: (MAX_SIDE * MAX_SIDE * 8) as usize,
    };
    let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(&bytes), limits);
    // Palettes and low bit depths expanded, 16 bits cut to 8: every picture arrives as 8-bit
    // grey, grey-alpha, RGB or RGBA.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| format!("not a PNG: {e}"))?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!("{w}x{h} pixels (at most {MAX_SIDE} a side)"));
    }
    let mut buf = vec![0; reader.output_buffer_size().ok_or("too large to decode")?];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("not a PNG: {e}"))?;
    buf.truncate(info.buffer_size());
    let rgba: Vec<u8> = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&v| [v, v, v, 255]).collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Indexed => return Err("an unexpanded palette".into()),
    };
    Ok(Portrait {
        width: info.width,
        height: info.height,
        rgba,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, color: png::ColorType, px: &[u8]) -> String {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(px).unwrap();
        base64::engine::general_purpose::STANDARD.encode(out)
    }

    #[test]
    fn a_portrait_decodes_to_rgba_and_anything_else_is_refused() {
        let p = decode(&png(2, 1, png::ColorType::Rgb, &[10, 20, 30, 40, 50, 60])).unwrap();
        assert_eq!((p.width, p.height), (2, 1));
        assert_eq!(p.rgba, [10, 20, 30, 255, 40, 50, 60, 255]);
        let grey = decode(&png(1, 1, png::ColorType::Grayscale, &[7])).unwrap();
        assert_eq!(grey.rgba, [7, 7, 7, 255]);
        assert_eq!(decode("not base64!").unwrap_err(), "not base64");
        assert!(decode("aGVsbG8=").unwrap_err().starts_with("not a PNG"));
        let wide = vec![0u8; 401 * 3];
        assert_eq!(
            decode(&png(401, 1, png::ColorType::Rgb, &wide)).unwrap_err(),
            "401x1 pixels (at most 400 a side)"
        );
    }

    #[test]
    fn the_demo_officer_has_a_portrait() {
        let feed = crate::community::Feed::parse(crate::community::demo_feed().as_bytes()).unwrap();
        let photo = feed.people[0].photo.as_deref().expect("a portrait");
        let p = decode(photo).unwrap();
        assert_eq!(p.rgba.len(), (p.width * p.height * 4) as usize);
    }
}
