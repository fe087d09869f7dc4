//! Test helpers: a writer of small CTranslate2 Whisper models, a reader of
//! GGML files, and a reader of numpy's `.npz`.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `models/` of the workspace, or `$WHISKER_MODELS_DIR`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("WHISKER_MODELS_DIR").map_or_else(|| root().join("models"), PathBuf::from)
}

/// The real default CTranslate2 model, with instructions when it is absent.
pub fn default_ct2() -> PathBuf {
    let dir = models_dir().join("whisper-base-ct2");
    assert!(
        dir.join("model.bin").is_file(),
        "{} is missing: run `make models` (or `whisker models fetch whisper-base-ct2`) \
         to install the CTranslate2 Whisper base model",
        dir.display()
    );
    dir
}

/// openai-whisper's assets, with instructions when they are absent.
pub fn asset(name: &str) -> PathBuf {
    let path = root()
        .join("target/cache/openai-whisper-20250625")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `make whisper-assets` (it takes openai-whisper's \
         source package from PyPI, checked by sha256)",
        path.display()
    );
    path
}

// ── CTranslate2 models ─────────────────────────────────────────────────────

/// A variable of a hand-made model.bin: name, shape, dtype id, bytes.
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub shape: Vec<u32>,
    pub dtype: u8,
    pub data: Vec<u8>,
}

pub const F32: u8 = 0;
pub const I8: u8 = 1;
pub const I32: u8 = 3;
pub const F16: u8 = 4;
pub const BF16: u8 = 5;

/// Serialises variables as CTranslate2's `_serialize` does.
pub fn model_bin(spec: &str, vars: &[Var], aliases: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend(((s.len() + 1) as u16).to_le_bytes());
        out.extend(s.as_bytes());
        out.push(0);
    };
    out.extend(6u32.to_le_bytes());
    string(&mut out, spec);
    out.extend(3u32.to_le_bytes());
    out.extend((vars.len() as u32).to_le_bytes());
    for v in vars {
        string(&mut out, &v.name);
        out.push(v.shape.len() as u8);
        for d in &v.shape {
            out.extend(d.to_le_bytes());
        }
        out.push(v.dtype);
        out.extend((v.data.len() as u32).to_le_bytes());
        out.extend(&v.data);
    }
    out.extend((aliases.len() as u32).to_le_bytes());
    for (alias, target) in aliases {
        string(&mut out, alias);
        string(&mut out, target);
    }
    out
}

/// The value of element `i` of variable `name` in the tiny model: distinct
/// per variable and element, small enough to be exact in f16.
pub fn value(name: &str, i: usize) -> f32 {
    let seed = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    ((seed as usize + i * 7) % 61) as f32 / 32.0 - 0.9375
}

/// The floats of a tiny variable, encoded as `dtype` (f32, f16 or bf16).
pub fn floats(name: &str, shape: &[u32], dtype: u8) -> Var {
    let n: u32 = shape.iter().product();
    let data = (0..n as usize)
        .flat_map(|i| {
            let v = value(name, i);
            match dtype {
                F16 => half::f16::from_f32(v).to_le_bytes().to_vec(),
                BF16 => half::bf16::from_f32(v).to_le_bytes().to_vec(),
                _ => v.to_le_bytes().to_vec(),
            }
        })
        .collect();
    Var {
        name: name.into(),
        shape: shape.to_vec(),
        dtype,
        data,
    }
}

/// An int8 weight that dequantises exactly to `value(name, i)` with scale 32
/// (`q = v * 32`), and its per-row scales.
pub fn int8(name: &str, shape: &[u32]) -> [Var; 2] {
    let n: u32 = shape.iter().product();
    let data = (0..n as usize)
        .map(|i| ((value(name, i) * 32.0) as i8) as u8)
        .collect();
    let scale = Var {
        name: format!("{name}_scale"),
        shape: vec![shape[0]],
        dtype: F32,
        data: (0..shape[0]).flat_map(|_| 32f32.to_le_bytes()).collect(),
    };
    let weight = Var {
        name: name.into(),
        shape: shape.to_vec(),
        dtype: I8,
        data,
    };
    [weight, scale]
}

pub fn scalar_i16(name: &str, v: i16) -> Var {
    Var {
        name: name.into(),
        shape: vec![],
        dtype: 2,
        data: v.to_le_bytes().to_vec(),
    }
}

/// Width, heads, mel bins, audio and text context, vocabulary of the tiny model.
pub const D: u32 = 8;
pub const MELS: u32 = 4;
pub const AUDIO_CTX: u32 = 6;
pub const TEXT_CTX: u32 = 5;
pub const VOCAB: [&str; 5] = ["a", "Ġb", "åľº", "<|endoftext|>", "<|startoftranscript|>"];

/// A one-layer Whisper in CTranslate2's layout; weights (2-D and up) as
/// `dtype` (`I8` quantises them), the rest f32.
pub fn tiny_whisper(dtype: u8) -> Vec<Var> {
    let mut vars = vec![
        scalar_i16("encoder/num_heads", 2),
        scalar_i16("decoder/num_heads", 2),
    ];
    let weight = |vars: &mut Vec<Var>, name: &str, shape: &[u32]| {
        if dtype == I8 {
            vars.extend(int8(name, shape));
        } else {
            vars.push(floats(name, shape, dtype));
        }
    };
    let small =
        |vars: &mut Vec<Var>, name: &str, shape: &[u32]| vars.push(floats(name, shape, F32));
    let linear = |vars: &mut Vec<Var>, name: &str, rows: u32, cols: u32| {
        weight(vars, &format!("{name}/weight"), &[rows, cols]);
        small(vars, &format!("{name}/bias"), &[rows]);
    };
    let norm = |vars: &mut Vec<Var>, name: &str| {
        small(vars, &format!("{name}/gamma"), &[D]);
        small(vars, &format!("{name}/beta"), &[D]);
    };
    small(
        &mut vars,
        "encoder/position_encodings/encodings",
        &[AUDIO_CTX, D],
    );
    weight(&mut vars, "encoder/conv1/weight", &[D, MELS, 3]);
    small(&mut vars, "encoder/conv1/bias", &[D]);
    weight(&mut vars, "encoder/conv2/weight", &[D, D, 3]);
    small(&mut vars, "encoder/conv2/bias", &[D]);
    for side in ["encoder", "decoder"] {
        let layer = format!("{side}/layer_0");
        linear(
            &mut vars,
            &format!("{layer}/self_attention/linear_0"),
            3 * D,
            D,
        );
        linear(&mut vars, &format!("{layer}/self_attention/linear_1"), D, D);
        norm(&mut vars, &format!("{layer}/self_attention/layer_norm"));
        linear(&mut vars, &format!("{layer}/ffn/linear_0"), 4 * D, D);
        linear(&mut vars, &format!("{layer}/ffn/linear_1"), D, 4 * D);
        norm(&mut vars, &format!("{layer}/ffn/layer_norm"));
        norm(&mut vars, &format!("{side}/layer_norm"));
    }
    linear(&mut vars, "decoder/layer_0/attention/linear_0", D, D);
    linear(&mut vars, "decoder/layer_0/attention/linear_1", 2 * D, D);
    linear(&mut vars, "decoder/layer_0/attention/linear_2", D, D);
    norm(&mut vars, "decoder/layer_0/attention/layer_norm");
    weight(
        &mut vars,
        "decoder/embeddings/weight",
        &[VOCAB.len() as u32, D],
    );
    small(
        &mut vars,
        "decoder/position_encodings/encodings",
        &[TEXT_CTX, D],
    );
    vars
}

/// Writes a model folder: `model.bin` and `vocabulary.txt`.
pub fn write_model(dir: &Path, bin: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("model.bin"), bin).unwrap();
    fs::write(dir.join("vocabulary.txt"), VOCAB.join("\n") + "\n").unwrap();
}

/// The tiny model with `dtype` weights, in a new folder under `parent`.
pub fn tiny_model_dir(parent: &Path, dtype: u8) -> PathBuf {
    let dir = parent.join(format!("tiny-{dtype}"));
    let aliases = [("decoder/projection/weight", "decoder/embeddings/weight")];
    write_model(
        &dir,
        &model_bin("WhisperSpec", &tiny_whisper(dtype), &aliases),
    );
    dir
}

// ── GGML files ─────────────────────────────────────────────────────────────

/// A GGML Whisper file, parsed.
#[derive(Debug)]
pub struct Ggml {
    pub hparams: Vec<i32>,
    pub mel: (usize, usize, Vec<f32>),
    pub vocab: Vec<Vec<u8>>,
    /// In file order: name, dims (innermost first), type, data.
    pub tensors: Vec<Tensor>,
}

#[derive(Debug)]
pub struct Tensor {
    pub name: String,
    pub dims: Vec<usize>,
    pub ttype: i32,
    pub data: Vec<u8>,
}

impl Tensor {
    /// The data as f32 (from f16 or f32).
    pub fn values(&self) -> Vec<f32> {
        match self.ttype {
            0 => self
                .data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            _ => self
                .data
                .chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        }
    }
}

impl Ggml {
    pub fn tensor(&self, name: &str) -> &Tensor {
        self.tensors
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tensor {name}"))
    }
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        assert!(self.0.len() >= n, "GGML file ends early");
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }

    fn i32(&mut self) -> i32 {
        let b = self.take(4);
        i32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    fn usize(&mut self) -> usize {
        usize::try_from(self.i32()).unwrap()
    }
}

/// Parses a whole GGML Whisper file; panics on anything malformed.
pub fn read_ggml(path: &Path) -> Ggml {
    let bytes = fs::read(path).unwrap();
    let mut c = Cursor(&bytes);
    assert_eq!(c.take(4), b"lmgg", "magic");
    let hparams = (0..11).map(|_| c.i32()).collect();
    let (n_mel, n_fft) = (c.usize(), c.usize());
    let bank = c
        .take(4 * n_mel * n_fft)
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let vocab = (0..c.usize())
        .map(|_| {
            let len = c.usize();
            c.take(len).to_vec()
        })
        .collect();
    let mut tensors = Vec::new();
    while !c.0.is_empty() {
        let (n_dims, name_len, ttype) = (c.usize(), c.usize(), c.i32());
        let dims: Vec<usize> = (0..n_dims).map(|_| c.usize()).collect();
        let name = String::from_utf8(c.take(name_len).to_vec()).unwrap();
        let size = if ttype == 0 { 4 } else { 2 };
        let data = c.take(size * dims.iter().product::<usize>()).to_vec();
        tensors.push(Tensor {
            name,
            dims,
            ttype,
            data,
        });
    }
    Ggml {
        hparams,
        mel: (n_mel, n_fft, bank),
        vocab,
        tensors,
    }
}

// ── numpy ──────────────────────────────────────────────────────────────────

/// The `<f4` arrays of an `.npz`, by name, with their shapes.
pub fn read_npz(path: &Path) -> HashMap<String, (Vec<usize>, Vec<f32>)> {
    let mut zip = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut arrays = HashMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().trim_end_matches(".npy").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        arrays.insert(name, parse_npy(&bytes));
    }
    arrays
}

fn parse_npy(bytes: &[u8]) -> (Vec<usize>, Vec<f32>) {
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let data = bytes[start + header_len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    (shape, data)
}
