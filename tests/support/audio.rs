//! Test audio: read and write 16 kHz mono 16-bit WAV, and write long FLAC
//! files that are mostly digital silence (two hours in well under a
//! megabyte: a silent block of 4096 samples is one FLAC constant subframe).

use std::io::Write;
use std::path::Path;

pub const RATE: u32 = 16_000;

/// Samples of a 16 kHz mono 16-bit PCM WAV file (the eval recordings' format).
pub fn read_wav(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).expect("read the WAV file");
    assert_eq!(&bytes[..4], b"RIFF", "{}: not a WAV file", path.display());
    assert_eq!(
        &bytes[24..28],
        &RATE.to_le_bytes(),
        "{}: 16 kHz",
        path.display()
    );
    assert_eq!(
        &bytes[22..24],
        &1u16.to_le_bytes(),
        "{}: mono",
        path.display()
    );
    let data = bytes
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk")
        + 8;
    bytes[data..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Writes 16 kHz mono 16-bit PCM.
pub fn write_wav(path: &Path, samples: &[i16]) {
    let data = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, out).expect("write the WAV file");
}

const BLOCK: u64 = 4096;

/// Writes a 16 kHz mono 16-bit FLAC file of `total` samples: silence with
/// each `(offset, samples)` clip placed at its sample offset. Blocks that
/// are all one value are constant subframes, the others verbatim.
pub fn write_sparse_flac(path: &Path, total: u64, clips: &[(u64, &[i16])]) {
    let file = std::fs::File::create(path).expect("create the FLAC file");
    let mut out = std::io::BufWriter::new(file);
    out.write_all(b"fLaC").expect("write");
    out.write_all(&streaminfo(total)).expect("write");
    let mut block = Vec::with_capacity(BLOCK as usize);
    for (number, start) in (0..total).step_by(BLOCK as usize).enumerate() {
        let len = BLOCK.min(total - start);
        block.clear();
        block.resize(len as usize, 0i16);
        for (offset, clip) in clips {
            let clip_end = offset + clip.len() as u64;
            for i in start.max(*offset)..(start + len).min(clip_end) {
                block[(i - start) as usize] = clip[(i - offset) as usize];
            }
        }
        out.write_all(&frame(number as u64, &block)).expect("write");
    }
    out.flush().expect("write");
}

/// The last (and only) metadata block: STREAMINFO.
fn streaminfo(total: u64) -> Vec<u8> {
    let mut b = vec![0x80, 0, 0, 34];
    b.extend_from_slice(&(BLOCK as u16).to_be_bytes()); // min block size
    b.extend_from_slice(&(BLOCK as u16).to_be_bytes()); // max block size
    b.extend_from_slice(&[0; 6]); // frame sizes unknown
    let packed = (u64::from(RATE) << 44) | (15 << 36) | total; // mono, 16 bits
    b.extend_from_slice(&packed.to_be_bytes());
    b.extend_from_slice(&[0; 16]); // MD5 unknown
    b
}

fn frame(number: u64, samples: &[i16]) -> Vec<u8> {
    let full = samples.len() as u64 == BLOCK;
    // Block size 4096 (code 12), or "16-bit size - 1 follows" (code 7);
    // 16 kHz (code 5); mono; 16 bits per sample (code 4).
    let size_code: u8 = if full { 12 } else { 7 };
    let mut f = vec![0xFF, 0xF8, (size_code << 4) | 5, 4 << 1];
    f.extend_from_slice(&utf8_number(number));
    if !full {
        f.extend_from_slice(&(samples.len() as u16 - 1).to_be_bytes());
    }
    f.push(crc8(&f));
    if samples.iter().all(|&s| s == samples[0]) {
        f.push(0x00); // constant subframe
        f.extend_from_slice(&samples[0].to_be_bytes());
    } else {
        f.push(0x02); // verbatim subframe
        for s in samples {
            f.extend_from_slice(&s.to_be_bytes());
        }
    }
    f.extend_from_slice(&crc16(&f).to_be_bytes());
    f
}

/// FLAC's frame number: UTF-8's variable-length coding, up to 21 bits here.
fn utf8_number(n: u64) -> Vec<u8> {
    let cont = |shift: u32| 0x80 | ((n >> shift) & 0x3F) as u8;
    match n {
        0..0x80 => vec![n as u8],
        0x80..0x800 => vec![0xC0 | (n >> 6) as u8, cont(0)],
        0x800..0x1_0000 => vec![0xE0 | (n >> 12) as u8, cont(6), cont(0)],
        _ => vec![0xF0 | (n >> 18) as u8, cont(12), cont(6), cont(0)],
    }
}

fn crc8(bytes: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
    }
    crc
}
