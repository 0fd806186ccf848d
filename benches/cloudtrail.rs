//! CloudTrail ingest throughput: about 100 MiB of generated export in memory, as
//! `{"Records":[…]}` on one line, as JSON lines, and gzip-compressed; each run finds
//! the `AssumeRoleWithWebIdentity` events and builds the per-role summary
//! (`ingest_reader`). Throughput is reported in bytes of uncompressed export.
//!
//! Run: `cargo bench --bench cloudtrail`. Compare with jq/jaq:
//! `benches/compare-jq.sh`.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oidc_triage::evidence::cloudtrail::ingest_reader;

#[path = "support/generator.rs"]
mod generator;

use generator::Shape;

const SIZE: u64 = 100 << 20;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cloudtrail-ingest");
    group.sample_size(10);
    for (name, shape) in [("records", Shape::Records), ("lines", Shape::Lines)] {
        let (bytes, written) = generator::export(shape, SIZE, 42);
        // Sanity: the ingest sees what the generator wrote.
        let export = ingest_reader(&mut &bytes[..]);
        assert_eq!(export.web_identity_events(), written.web_identity, "{name}");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(ingest_reader(&mut &bytes[..])))
        });
    }
    let (bytes, _) = generator::export(Shape::Records, SIZE, 7);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = gz
        .write_all(&bytes)
        .and_then(|()| gz.finish())
        .unwrap_or_default();
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("records-gzip", |b| {
        b.iter(|| black_box(ingest_reader(&mut &compressed[..])))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
