//! Just enough WAV reading for the live file source: 16-bit PCM and 32-bit
//! float, any channel count (averaged to mono), any sample rate.
//!
//! It is not a general audio decoder (no 8/24-bit, compressed or other
//! containers): whole files of any format go through the decoder that
//! `whisker transcribe` uses.

use std::path::Path;

use crate::error::{Error, Result};

/// Mono samples in -1..1 and their sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    pub sample_rate: u32,
    pub samples: Vec<f32>,
}

#[derive(Debug, Clone, Copy)]
struct Format {
    float: bool,
    channels: usize,
    rate: u32,
    bits: u16,
}

/// Reads a WAV file and averages its channels.
pub fn read_wav(path: &Path) -> Result<Wav> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(&bytes).map_err(|detail| Error::Wav {
        path: path.to_owned(),
        detail,
    })
}

fn parse(bytes: &[u8]) -> std::result::Result<Wav, String> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a WAV file (no RIFF/WAVE header)".into());
    }
    let mut format = None;
    let mut rest = &bytes[12..];
    while rest.len() >= 8 {
        let id = &rest[..4];
        let size = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let body = &rest[8..(8 + size).min(rest.len())];
        match id {
            b"fmt " => format = Some(parse_format(body)?),
            b"data" => {
                let format = format.ok_or("the data chunk comes before the format chunk")?;
                return Ok(Wav {
                    sample_rate: format.rate,
                    samples: samples(body, format),
                });
            }
            _ => {}
        }
        rest = &rest[(8 + size + size % 2).min(rest.len())..];
    }
    Err("no data chunk".into())
}

fn parse_format(body: &[u8]) -> std::result::Result<Format, String> {
    if body.len() < 16 {
        return Err("format chunk too short".into());
    }
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
    let mut tag = u16_at(0);
    if tag == 0xFFFE && body.len() >= 26 {
        tag = u16_at(24); // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag
    }
    let format = Format {
        float: tag == 3,
        channels: usize::from(u16_at(2)),
        rate: u32::from_le_bytes([body[4], body[5], body[6], body[7]]),
        bits: u16_at(14),
    };
    match (tag, format.bits) {
        _ if format.channels == 0 || format.rate == 0 => Err("zero channels or sample rate".into()),
        (1, 16) | (3, 32) => Ok(format),
        (tag, bits) => Err(format!(
            "format {tag} with {bits}-bit samples; the live file source reads 16-bit PCM or 32-bit float"
        )),
    }
}

fn samples(data: &[u8], format: Format) -> Vec<f32> {
    let width = usize::from(format.bits / 8);
    let frame = width * format.channels;
    data.chunks_exact(frame)
        .map(|f| {
            let sum: f32 = f.chunks_exact(width).map(|s| sample(s, format.float)).sum();
            sum / format.channels as f32
        })
        .collect()
}

fn sample(bytes: &[u8], float: bool) -> f32 {
    match (float, bytes) {
        (true, &[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
        (false, &[a, b]) => f32::from(i16::from_le_bytes([a, b])) / 32768.0,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(tag: u16, channels: u16, bits: u16, data: &[u8]) -> Vec<u8> {
        let mut out = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        out.extend(16u32.to_le_bytes());
        out.extend(tag.to_le_bytes());
        out.extend(channels.to_le_bytes());
        out.extend(8000u32.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(bits.to_le_bytes());
        out.extend(b"LIST\x03\0\0\0abc\0"); // an odd-sized chunk to skip, padded
        out.extend(b"data");
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn pcm16_stereo_is_averaged_to_mono() {
        let data: Vec<u8> = [16384i16, 0, -32768, -32768]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let got = parse(&wav(1, 2, 16, &data)).unwrap();
        assert_eq!(got.sample_rate, 8000);
        assert_eq!(got.samples, vec![0.25, -1.0]);
    }

    #[test]
    fn float32_mono_is_read_as_is() {
        let data: Vec<u8> = [0.5f32, -0.125]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        assert_eq!(
            parse(&wav(3, 1, 32, &data)).unwrap().samples,
            vec![0.5, -0.125]
        );
    }

    #[test]
    fn other_formats_and_garbage_are_refused_with_the_reason() {
        let err = parse(&wav(1, 1, 24, &[0; 6])).unwrap_err();
        assert!(err.contains("24-bit"), "{err}");
        assert!(parse(b"ID3 not a wav file").unwrap_err().contains("RIFF"));
    }
}
