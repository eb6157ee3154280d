//! Deterministic randomness for the simulated Katib: a string hash and a splitmix64 stream, so
//! the same experiment uid and trial index always give the same trial, and no `rand` crate.

/// Scrambles a 64-bit value so nearby inputs land far apart (splitmix64's finaliser).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a over the parts (each ended by a separator, so `["ab", "c"]` ≠ `["a", "bc"]`), mixed.
pub fn hash(parts: &[&str]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    mix(h)
}

/// A number in [0, 1) decided by the parts alone.
pub fn unit(parts: &[&str]) -> f64 {
    to_unit(hash(parts))
}

fn to_unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

/// Kubernetes' alphabet for generated names: no vowels, no look-alikes, so names never spell
/// words (Katib's trial suffixes use it too).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `len` name characters decided by the parts.
pub fn name_suffix(parts: &[&str], len: usize) -> String {
    let mut stream = SplitMix::new(hash(parts));
    (0..len)
        .map(|_| NAME_ALPHABET[stream.below(NAME_ALPHABET.len())] as char)
        .collect()
}

/// splitmix64: tiny, fast, and good enough to draw hyperparameters from.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_separate_their_parts() {
        assert_eq!(hash(&["uid", "1"]), hash(&["uid", "1"]));
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
        assert_ne!(hash(&["uid", "1"]), hash(&["uid", "2"]));
    }

    #[test]
    fn units_spread_over_the_interval() {
        let values: Vec<f64> = (0..2000)
            .map(|i| unit(&["spread", &i.to_string()]))
            .collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let low = values.iter().filter(|v| **v < 0.5).count();
        assert!((900..1100).contains(&low), "{low} of 2000 below one half");
    }

    #[test]
    fn name_suffixes_use_the_kubernetes_alphabet() {
        let suffix = name_suffix(&["3fbda962", "0"], 8);
        assert_eq!(suffix.len(), 8);
        assert!(suffix.bytes().all(|b| NAME_ALPHABET.contains(&b)));
        assert_eq!(suffix, name_suffix(&["3fbda962", "0"], 8));
        assert_ne!(suffix, name_suffix(&["3fbda962", "1"], 8));
    }

    #[test]
    fn draws_stay_in_range() {
        let mut stream = SplitMix::new(42);
        for _ in 0..1000 {
            assert!(stream.below(7) < 7);
            assert!((0.0..1.0).contains(&stream.unit()));
            assert!(stream.normal().is_finite());
        }
    }
}
