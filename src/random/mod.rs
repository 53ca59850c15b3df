//! Where every random number comes from: per-path streams keyed by the seed, a stream name and
//! the path ([`streams`]), and the standard normals of four paths at once, bit for bit
//! rand_distr's ([`normals`], with rand_distr's ziggurat tables in [`ziggurat`]).

pub mod normals;
pub mod streams;
pub(crate) mod ziggurat;
