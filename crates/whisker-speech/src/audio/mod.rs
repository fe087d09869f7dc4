//! Audio files to 16 kHz mono `f32` samples, in windows.
//!
//! Reads WAV, FLAC, MP3, OGG/Vorbis, M4A/AAC and WebM/MKV with symphonia
//! (pure Rust), and Opus (in OGG or WebM) with libopus plugged into
//! symphonia's codec registry, since symphonia has no Opus decoder of its own.
//! Any sample rate and channel count: channels are averaged, then the FFT
//! resampler in [`resample`] brings the rate to [`SAMPLE_RATE`].
//!
//! [`AudioReader::read`] hands out the next window of samples, so a
//! two-hour recording is transcribed in bounded memory (one window plus the
//! decoder's buffers) and can report progress and stop between windows.
//!
//! Damage: a packet that fails to decode is skipped (a click of silence, as
//! players do). When decoding stops early — the file is cut short, or too
//! many packets in a row are bad — what was decoded is kept and
//! [`AudioReader::damage`] says where it stopped, so a long recording with a
//! bad tail still yields its transcript. Only a file in which nothing at all
//! decodes is an error ([`Error::Corrupt`]).
//!
//! ```no_run
//! use whisker_speech::audio::{AudioReader, SAMPLE_RATE};
//!
//! let mut reader = AudioReader::open("talk.opus".as_ref())?;
//! while let Some(window) = reader.read(30 * SAMPLE_RATE as usize)? {
//!     println!("{} s of sound", window.len() as f64 / f64::from(SAMPLE_RATE));
//! }
//! # Ok::<(), whisker_speech::Error>(())
//! ```

mod mix;
pub mod resample;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, CodecRegistry, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

pub use mix::downmix;
pub use resample::Resampler;

use crate::error::{Error, Result};

/// The rate Whisper listens at.
pub const SAMPLE_RATE: u32 = 16_000;

/// Bad packets in a row after which the rest of the file is given up.
const MAX_BAD_PACKETS: usize = 20;

/// What the container says about the sound.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioInfo {
    /// The file's own rate, Hz (0 when the container does not say).
    pub sample_rate: u32,
    pub channels: usize,
    /// Length in seconds, when the container knows it.
    pub duration: Option<f64>,
}

/// Decodes one file into 16 kHz mono windows.
pub struct AudioReader {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track: u32,
    info: AudioInfo,
    resampler: Option<Resampler>,
    scratch: Option<SampleBuffer<f32>>,
    mono: Vec<f32>,
    /// 16 kHz samples decoded but not yet handed out.
    ready: Vec<f32>,
    delivered: u64,
    decoded_frames: u64,
    bad_in_a_row: usize,
    skipped: usize,
    ended: bool,
    damage: Option<String>,
}

impl std::fmt::Debug for AudioReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioReader")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("delivered", &self.delivered)
            .finish()
    }
}

/// symphonia's codecs plus libopus.
fn codecs() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_all::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}

impl AudioReader {
    /// Opens `path` and finds its first audio track. Fails with
    /// [`Error::NotAudio`] for anything that is not a readable container
    /// and [`Error::UnsupportedCodec`] for a codec this build lacks.
    pub fn open(path: &Path) -> Result<AudioReader> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::NotAudio {
                path: path.into(),
                detail: "a folder".into(),
            });
        }
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let source = MediaSourceStream::new(Box::new(file), Default::default());
        let probed = symphonia::default::get_probe()
            .format(
                &hint,
                source,
                // Trims MP3/AAC encoder delay and padding, so every format
                // lines up with the original recording.
                &FormatOptions {
                    enable_gapless: true,
                    ..FormatOptions::default()
                },
                &MetadataOptions::default(),
            )
            .map_err(|e| not_audio(path, e))?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| Error::NotAudio {
                path: path.into(),
                detail: "no audio track".into(),
            })?;
        let params = track.codec_params.clone();
        let decoder = codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|_| Error::UnsupportedCodec {
                path: path.into(),
                codec: codec_name(params.codec),
            })?;
        let duration = match (params.n_frames, params.time_base, params.sample_rate) {
            (Some(n), Some(tb), _) => {
                let t = tb.calc_time(n);
                Some(t.seconds as f64 + t.frac)
            }
            (Some(n), None, Some(rate)) => Some(n as f64 / f64::from(rate)),
            _ => None,
        };
        let info = AudioInfo {
            sample_rate: params.sample_rate.unwrap_or(0),
            channels: params.channels.map_or(0, |c| c.count()),
            duration,
        };
        Ok(AudioReader {
            path: path.into(),
            track: track.id,
            format,
            decoder,
            info,
            resampler: None,
            scratch: None,
            mono: Vec::new(),
            ready: Vec::new(),
            delivered: 0,
            decoded_frames: 0,
            bad_in_a_row: 0,
            skipped: 0,
            ended: false,
            damage: None,
        })
    }

    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Seconds of 16 kHz sound handed out so far.
    pub fn position(&self) -> f64 {
        self.delivered as f64 / f64::from(SAMPLE_RATE)
    }

    /// Why decoding stopped before the end of the file, if it did.
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    /// The next `max` samples (16 kHz mono), fewer at the end; `None` once
    /// everything was handed out. [`Error::Empty`] if the file held no sound.
    pub fn read(&mut self, max: usize) -> Result<Option<Vec<f32>>> {
        let max = max.max(1);
        while self.ready.len() < max && !self.ended {
            self.decode_next()?;
        }
        if self.ended && self.decoded_frames == 0 {
            return Err(Error::Empty {
                path: self.path.clone(),
            });
        }
        if self.ready.is_empty() {
            return Ok(None);
        }
        let take = max.min(self.ready.len());
        let rest = self.ready.split_off(take);
        let window = std::mem::replace(&mut self.ready, rest);
        self.delivered += window.len() as u64;
        Ok(Some(window))
    }

    /// Whether every sample was handed out (decoding ahead to find out).
    pub fn finished(&mut self) -> Result<bool> {
        while self.ready.is_empty() && !self.ended {
            self.decode_next()?;
        }
        Ok(self.ready.is_empty())
    }

    /// Decodes one packet into `ready`, or marks the end.
    fn decode_next(&mut self) -> Result<()> {
        let packet = match self.format.next_packet() {
            Ok(packet) => packet,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return self.end(None);
            }
            Err(SymError::ResetRequired) => return self.end(None),
            Err(e) => return self.end(Some(format!("the container is damaged ({e})"))),
        };
        if packet.track_id() != self.track {
            return Ok(());
        }
        match self.decoder.decode(&packet) {
            Ok(decoded) => {
                self.bad_in_a_row = 0;
                let spec = *decoded.spec();
                let frames = decoded.frames();
                if frames == 0 {
                    return Ok(());
                }
                let scratch = match &mut self.scratch {
                    Some(s) if s.capacity() >= decoded.capacity() * spec.channels.count() => s,
                    slot => slot.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
                };
                scratch.copy_interleaved_ref(decoded);
                self.mono.clear();
                downmix(scratch.samples(), spec.channels.count(), &mut self.mono);
                self.decoded_frames += frames as u64;
                self.resample(spec.rate)
            }
            Err(SymError::DecodeError(e)) => {
                self.skipped += 1;
                self.bad_in_a_row += 1;
                if self.bad_in_a_row >= MAX_BAD_PACKETS {
                    return self.end(Some(format!(
                        "{MAX_BAD_PACKETS} bad packets in a row ({e})"
                    )));
                }
                Ok(())
            }
            Err(SymError::IoError(_)) => self.end(Some("the file ends mid-packet".into())),
            Err(e) => self.end(Some(e.to_string())),
        }
    }

    fn resample(&mut self, rate: u32) -> Result<()> {
        if self.info.sample_rate == 0 {
            self.info.sample_rate = rate;
        }
        let resampler = match &mut self.resampler {
            Some(r) => r,
            slot => slot.insert(Resampler::new(rate, SAMPLE_RATE)?),
        };
        resampler.push(&self.mono, &mut self.ready)
    }

    /// Stops decoding: flushes the resampler and records why, if early.
    fn end(&mut self, damage: Option<String>) -> Result<()> {
        self.ended = true;
        if let Some(r) = &mut self.resampler {
            r.finish(&mut self.ready)?;
        }
        let at = self.decoded_frames as f64 / f64::from(self.info.sample_rate.max(1));
        let damage = damage.or_else(|| self.cut_short(at));
        if let Some(detail) = damage {
            if self.decoded_frames == 0 {
                return Err(Error::Corrupt {
                    path: self.path.clone(),
                    detail,
                });
            }
            self.damage = Some(format!("decoding stopped at {at:.1} s: {detail}"));
        } else if self.skipped > 0 {
            self.damage = Some(format!("{} damaged packets skipped", self.skipped));
        }
        Ok(())
    }

    /// A file that ends well before the length its header promised.
    fn cut_short(&self, at: f64) -> Option<String> {
        let expected = self.info.duration?;
        (at + 0.5 < expected * 0.98)
            .then(|| format!("the file ends early (expected {expected:.1} s)"))
    }
}

/// Decodes a whole (short) file into one buffer of 16 kHz mono samples.
/// Prefer [`AudioReader`] for anything that may be long.
pub fn read_all(path: &Path) -> Result<Vec<f32>> {
    let mut reader = AudioReader::open(path)?;
    let mut all = Vec::new();
    while let Some(window) = reader.read(60 * SAMPLE_RATE as usize)? {
        all.extend_from_slice(&window);
    }
    Ok(all)
}

fn not_audio(path: &Path, error: SymError) -> Error {
    match error {
        SymError::IoError(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => Error::io(path, e),
        SymError::IoError(_) => Error::NotAudio {
            path: path.into(),
            detail: "too short to be audio".into(),
        },
        SymError::Unsupported(_) => Error::NotAudio {
            path: path.into(),
            detail: "unknown format".into(),
        },
        other => Error::NotAudio {
            path: path.into(),
            detail: other.to_string(),
        },
    }
}

fn codec_name(codec: symphonia::core::codecs::CodecType) -> String {
    symphonia::default::get_codecs()
        .get_codec(codec)
        .map_or_else(|| format!("codec id {codec}"), |d| d.long_name.to_string())
}
