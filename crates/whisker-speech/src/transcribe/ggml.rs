//! A quick walk over a whisper.cpp GGML file's layout (after the magic):
//! hyper-parameters, mel filters, vocabulary, then every tensor's header
//! and data, so a truncated or garbled file is refused before loading.

use std::io::{Read, Seek, SeekFrom};

/// Hyper-parameters after the magic: n_vocab, n_audio_ctx, n_audio_state,
/// n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head,
/// n_text_layer, n_mels, ftype.
const HPARAMS: usize = 11;

pub(super) fn check_layout<R: Read + Seek>(mut r: R, size: u64) -> Result<(), String> {
    let mut hparams = [0i32; HPARAMS];
    for h in &mut hparams {
        *h = int(&mut r)?;
    }
    let n_vocab = hparams[0];
    if !(1..=1_000_000).contains(&n_vocab) {
        return Err(format!("implausible vocabulary size {n_vocab}"));
    }
    let (n_mel, n_fft) = (int(&mut r)?, int(&mut r)?);
    skip(&mut r, 4 * count(n_mel)? * count(n_fft)?, size)?;
    let words = int(&mut r)?;
    for _ in 0..count(words)? {
        let len = int(&mut r)?;
        skip(&mut r, count(len)?, size)?;
    }
    let mut tensors = 0;
    while position(&mut r)? < size {
        tensor(&mut r, size)?;
        tensors += 1;
    }
    if tensors == 0 {
        return Err("the file ends before its tensors (truncated?)".into());
    }
    Ok(())
}

/// One tensor: n_dims, name length, type, dims, name, data.
fn tensor<R: Read + Seek>(r: &mut R, size: u64) -> Result<(), String> {
    let (n_dims, name_len, ttype) = (int(r)?, int(r)?, int(r)?);
    if !(1..=4).contains(&n_dims) {
        return Err(format!("a tensor with {n_dims} dimensions (garbled?)"));
    }
    let mut elements = 1u64;
    for _ in 0..n_dims {
        elements = elements.saturating_mul(count(int(r)?)? as u64);
    }
    skip(r, count(name_len)?, size)?;
    // Bytes per block and elements per block of each GGML type: f32, f16,
    // q4_0, q4_1, q5_0, q5_1, q8_0, bf16.
    let (bytes, per) = match ttype {
        0 => (4, 1),
        1 => (2, 1),
        2 => (18, 32),
        3 => (20, 32),
        6 => (22, 32),
        7 => (24, 32),
        8 => (34, 32),
        30 => (2, 1),
        other => {
            return Err(format!(
                "tensor type {other} is not one whisper.cpp reads here"
            ));
        }
    };
    skip(r, (elements.div_ceil(per) * bytes) as usize, size)
}

fn int<R: Read>(r: &mut R) -> Result<i32, String> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)
        .map_err(|_| "the file ends early (truncated?)".to_string())?;
    Ok(i32::from_le_bytes(b))
}

fn count(n: i32) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| format!("a negative size {n} (garbled?)"))
}

fn position<R: Seek>(r: &mut R) -> Result<u64, String> {
    r.stream_position().map_err(|e| e.to_string())
}

fn skip<R: Seek>(r: &mut R, bytes: usize, size: u64) -> Result<(), String> {
    let to = position(r)? + bytes as u64;
    if to > size {
        return Err(format!(
            "the file ends early: {size} bytes, {to} needed (truncated?)"
        ));
    }
    r.seek(SeekFrom::Start(to)).map_err(|e| e.to_string())?;
    Ok(())
}
