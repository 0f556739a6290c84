// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//
// vmb-peer-vm-memory: the operations of vm-memory 0.10's own benchmarks
// (benches/mmap and benches/guest_memory in its sources), timed on
// vm-memory itself. bench/peers/guest_ops.c times the same operations
// through vmbytes; the two print the same lines, and
// bench/peers/vmmemory.py runs them alternately and compares.
//
// The guest memory is what the reference's benchmark builds: 8 anonymous
// regions of 2 GiB that touch, mapped lazily (only the pages an access
// touches ever get memory). Each access is 512 B, 8 B (two u32), 96 B
// (twelve u64) or one u64, at four places: the start of the first region,
// across the boundary of regions 0 and 1, across the boundary of regions 6
// and 7 (half the access on each side), and the start of the last region.
// find_region looks up the start of each of 256 touching 1 MiB regions.
//
// Output: one JSON line per operation, in a fixed order:
//   {"peer":"vm-memory","op":NAME,"ns":NS,"iters":N,"digest":HEX}
// ns is the median over the passes of one sample's time per operation
// (per lookup for find_region), in CPU time of the thread; digest is
// FNV-1a over what the operation reads back after the timed passes, so
// that the two programs can be checked to do the same thing.
//
// With --serve it takes its samples when told, for a driver that
// alternates it with its twin sample by sample: it prints "ready" once
// the samples are sized, then reads lines "s I" (take one sample of
// operation I, print its ns) until "e" (print the result lines, end).
//
// The buffers sit at fixed offsets of a page of their own (image at
// 0x400, buf at 0x800) in both programs, so that where they fall against
// the guest pages (4 KiB aliasing) is the same for both and for every run.
//
// usage: vmb-peer-vm-memory [--passes N] [--sample-ms MS] [--serve]

use std::arch::asm;
use std::io::BufRead;
use std::process::exit;

use vm_memory::{ByteValued, Bytes, GuestAddress, GuestMemory, GuestMemoryMmap, GuestMemoryRegion};

const REGION_SIZE: u64 = 0x8000_0000;
const REGIONS: u64 = 8;
const ACCESS: usize = 512;
const FIND_REGION_SIZE: u64 = 0x10_0000;
const FIND_REGIONS: u64 = 256;

#[repr(C)]
#[derive(Copy, Clone, Default)]
struct Small {
    a: u32,
    b: u32,
}
// SAFETY: two u32 fields, no padding; every bit pattern is a valid value.
unsafe impl ByteValued for Small {}

#[repr(C)]
#[derive(Copy, Clone, Default)]
struct Big {
    e: [u64; 12],
}
// SAFETY: an array of u64, no padding; every bit pattern is valid.
unsafe impl ByteValued for Big {}

/// Hide a value from the optimiser: the asm may read and write memory
/// through the pointer, so the value must exist in memory and cannot be
/// assumed unchanged afterwards. (std::hint::black_box is not stable in
/// Debian's rustc 1.63.)
#[inline(always)]
fn opaque<T>(v: T) -> T {
    let mut v = v;
    // SAFETY: an empty asm statement that only receives a pointer.
    unsafe { asm!("/* {0} */", in(reg) &mut v as *mut T, options(nostack, preserves_flags)) };
    v
}

/// CPU time of this thread, in seconds: time the scheduler gives to other
/// processes (this machine is shared) does not count, as in guest_ops.c.
fn cpu_now() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        eprintln!("vmb-peer-vm-memory: clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        exit(1);
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Whether @r is an error; an Ok value is kept from the optimiser, as the
/// reference's benchmark hands each read object to black_box.
#[inline(always)]
fn failed<T, E>(r: Result<T, E>) -> bool {
    match r {
        Ok(v) => {
            opaque(v);
            false
        }
        Err(_) => true,
    }
}

/// A place of the reference's benchmark: InRegion(i) or CrossRegion(i).
#[derive(Clone, Copy)]
enum Place {
    Inside(u64),
    Across(u64),
}

impl Place {
    /// The address of an access of @n bytes at this place: a region's start,
    /// or half of the access before the end of region @i and half after.
    fn addr(self, n: usize) -> GuestAddress {
        match self {
            Place::Inside(i) => GuestAddress(REGION_SIZE * i),
            Place::Across(i) => GuestAddress(REGION_SIZE * (i + 1) - n as u64 / 2),
        }
    }
}

const PLACES: [(&str, Place); 4] = [
    ("inside_first", Place::Inside(0)),
    ("boundary_first", Place::Across(0)),
    ("boundary_last", Place::Across(REGIONS - 2)),
    ("inside_last", Place::Inside(REGIONS - 1)),
];

#[derive(Clone, Copy)]
enum Kind {
    ReadSlice,
    Read,
    ReadSmall,
    ReadBig,
    ReadU64,
    WriteSlice,
    Write,
    WriteSmall,
    WriteBig,
}

const KINDS: [(&str, Kind); 9] = [
    ("read_slice/512", Kind::ReadSlice),
    ("read/512", Kind::Read),
    ("read_obj/8", Kind::ReadSmall),
    ("read_obj/96", Kind::ReadBig),
    ("read_obj/u64", Kind::ReadU64),
    ("write_slice/512", Kind::WriteSlice),
    ("write/512", Kind::Write),
    ("write_obj/8", Kind::WriteSmall),
    ("write_obj/96", Kind::WriteBig),
];

impl Kind {
    fn size(self) -> usize {
        match self {
            Kind::ReadSmall | Kind::WriteSmall => std::mem::size_of::<Small>(),
            Kind::ReadBig | Kind::WriteBig => std::mem::size_of::<Big>(),
            Kind::ReadU64 => 8,
            _ => ACCESS,
        }
    }
}

/// The buffers, at fixed offsets of their own page (as guest_ops.c's).
#[repr(C, align(4096))]
struct Page {
    _pad0: [u8; 0x400],
    image: [u8; ACCESS],
    _pad1: [u8; 0x200],
    buf: [u8; ACCESS],
    _pad2: [u8; 0x600],
}

struct Fixture {
    mem: GuestMemoryMmap,
    few: GuestMemoryMmap,
    page: Box<Page>,
    small: Small,
    big: Big,
}

fn guest(len: u64, count: u64) -> GuestMemoryMmap {
    let ranges: Vec<(GuestAddress, usize)> =
        (0..count).map(|i| (GuestAddress(i * len), len as usize)).collect();
    GuestMemoryMmap::from_ranges(&ranges).unwrap_or_else(|e| {
        eprintln!("vmb-peer-vm-memory: cannot map {count} regions of {len} bytes: {e}");
        exit(1)
    })
}

/// Run @n iterations of one operation; returns seconds and the count of
/// failed calls (which must stay 0). One loop per operation, the operation
/// chosen outside it.
#[inline(never)]
fn time_access(f: &mut Fixture, kind: Kind, at: GuestAddress, n: u64) -> (f64, u64) {
    let mut bad = 0u64;
    let t0 = cpu_now();
    macro_rules! timed {
        (|$mem:ident, $a:ident| $failed:expr) => {
            for _ in 0..n {
                let $mem = opaque(&f.mem);
                let $a = opaque(at);
                bad += $failed as u64;
                opaque(&mut f.page.buf);
            }
        };
    }
    match kind {
        Kind::ReadSlice => timed!(|mem, a| mem.read_slice(&mut f.page.buf, a).is_err()),
        Kind::Read => timed!(|mem, a| mem.read(&mut f.page.buf, a).is_err()),
        Kind::ReadSmall => timed!(|mem, a| failed(mem.read_obj::<Small>(a))),
        Kind::ReadBig => timed!(|mem, a| failed(mem.read_obj::<Big>(a))),
        Kind::ReadU64 => timed!(|mem, a| failed(mem.read_obj::<u64>(a))),
        Kind::WriteSlice => timed!(|mem, a| mem.write_slice(&f.page.image, a).is_err()),
        Kind::Write => timed!(|mem, a| mem.write(&f.page.image, a).is_err()),
        Kind::WriteSmall => timed!(|mem, a| mem.write_obj(f.small, a).is_err()),
        Kind::WriteBig => timed!(|mem, a| mem.write_obj(f.big, a).is_err()),
    }
    (cpu_now() - t0, bad)
}

/// @n rounds of find_region at the start of each of the 256 regions.
#[inline(never)]
fn time_find_region(f: &Fixture, n: u64) -> (f64, u64) {
    let mut bad = 0u64;
    let t0 = cpu_now();
    for _ in 0..n {
        let mem = opaque(&f.few);
        for i in 0..FIND_REGIONS {
            match mem.find_region(opaque(GuestAddress(i * FIND_REGION_SIZE))) {
                Some(r) => {
                    opaque(r);
                }
                None => bad += 1,
            }
        }
    }
    (cpu_now() - t0, bad)
}

fn fnv1a(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// After the timed passes: do the operation once more and hash what it
/// reads (a read) or what the guest then holds at its bytes (a write).
fn digest(f: &mut Fixture, kind: Kind, at: GuestAddress) -> Result<u64, String> {
    let mut h = FNV_START;
    let n = kind.size();
    let mut out = [0u8; ACCESS];
    let fail = |e: vm_memory::GuestMemoryError| format!("{e}");
    match kind {
        Kind::ReadSlice => f.mem.read_slice(&mut out, at).map_err(fail)?,
        Kind::Read => {
            let got = f.mem.read(&mut out, at).map_err(fail)?;
            fnv1a(&mut h, &(got as u64).to_le_bytes());
        }
        Kind::ReadSmall => out[..n].copy_from_slice(f.mem.read_obj::<Small>(at).map_err(fail)?.as_slice()),
        Kind::ReadBig => out[..n].copy_from_slice(f.mem.read_obj::<Big>(at).map_err(fail)?.as_slice()),
        Kind::ReadU64 => out[..n].copy_from_slice(&f.mem.read_obj::<u64>(at).map_err(fail)?.to_le_bytes()),
        _ => {
            match kind {
                Kind::WriteSlice => f.mem.write_slice(&f.page.image, at).map_err(fail)?,
                Kind::Write => {
                    let put = f.mem.write(&f.page.image, at).map_err(fail)?;
                    fnv1a(&mut h, &(put as u64).to_le_bytes());
                }
                Kind::WriteSmall => f.mem.write_obj(f.small, at).map_err(fail)?,
                _ => f.mem.write_obj(f.big, at).map_err(fail)?,
            }
            f.mem.read_slice(&mut out[..n], at).map_err(fail)?;
        }
    }
    fnv1a(&mut h, &out[..n]);
    Ok(h)
}

/// Iterations that make one sample last about @ms milliseconds: double
/// until a run lasts half of it, then scale by the fastest of three runs
/// of that length.
fn calibrate(ms: f64, mut run: impl FnMut(u64) -> f64) -> u64 {
    let mut n = 1u64;
    loop {
        let mut t = run(n);
        if t >= ms * 0.5e-3 || n >= 1 << 40 {
            t = t.min(run(n)).min(run(n));
            let want = (n as f64 * ms * 1e-3 / t.max(1e-9)).ceil();
            return want.clamp(1.0, (1u64 << 40) as f64) as u64;
        }
        n *= 2;
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn usage(msg: &str) -> ! {
    eprintln!("vmb-peer-vm-memory: {msg}");
    eprintln!("usage: vmb-peer-vm-memory [--passes N (1-1000)] [--sample-ms MS (0.1-1000)] [--serve]");
    exit(2)
}

fn parse_args() -> (usize, f64, bool) {
    let (mut passes, mut ms, mut serve) = (5usize, 10.0f64, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--serve" {
            serve = true;
            continue;
        }
        let v = args.next().unwrap_or_else(|| usage(&format!("'{a}' needs a value")));
        match a.as_str() {
            "--passes" => match v.parse::<usize>() {
                Ok(p) if (1..=1000).contains(&p) => passes = p,
                _ => usage(&format!("--passes: '{v}' is not a whole number from 1 to 1000")),
            },
            "--sample-ms" => match v.parse::<f64>() {
                Ok(m) if (0.1..=1000.0).contains(&m) => ms = m,
                _ => usage(&format!("--sample-ms: '{v}' is not a number from 0.1 to 1000")),
            },
            _ => usage(&format!("unknown argument '{a}'")),
        }
    }
    (passes, ms, serve)
}

fn main() {
    let (passes, ms, serve) = parse_args();
    let mut page = Box::new(Page {
        _pad0: [0; 0x400],
        image: [0; ACCESS],
        _pad1: [0; 0x200],
        buf: [0; ACCESS],
        _pad2: [0; 0x600],
    });
    for (i, b) in page.image.iter_mut().enumerate() {
        *b = (i * 7 + 1) as u8;
    }
    let mut f = Fixture {
        mem: guest(REGION_SIZE, REGIONS),
        few: guest(FIND_REGION_SIZE, FIND_REGIONS),
        page,
        small: Small { a: 0x1111_2222, b: 0x3333_4444 },
        big: Big { e: [0x1111_2222_3333_4444; 12] },
    };
    assert_eq!(f.mem.last_addr(), GuestAddress(REGION_SIZE * REGIONS - 1));

    // The operations in their fixed order; the last is find_region.
    let mut ops: Vec<(String, Option<(Kind, GuestAddress)>)> = Vec::new();
    for (pname, place) in PLACES {
        for (kname, kind) in KINDS {
            ops.push((format!("{kname}/{pname}"), Some((kind, place.addr(kind.size())))));
        }
    }
    ops.push(("find_region/256".to_string(), None));

    let mut failed = 0u64;
    let mut sample = |f: &mut Fixture, op: Option<(Kind, GuestAddress)>, n: u64| -> f64 {
        let (t, bad) = match op {
            Some((k, a)) => time_access(f, k, a, n),
            None => time_find_region(f, n),
        };
        failed += bad;
        t
    };
    // Warm up and size every operation's sample (this also faults in the
    // pages the accesses touch).
    let iters: Vec<u64> = ops.iter().map(|(_, op)| calibrate(ms, |n| sample(&mut f, *op, n))).collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(passes); ops.len()];
    let mut one = |f: &mut Fixture, i: usize| -> f64 {
        let per = match ops[i].1 {
            Some(_) => iters[i] as f64,
            None => (iters[i] * FIND_REGIONS) as f64,
        };
        sample(f, ops[i].1, iters[i]) / per * 1e9
    };
    if serve {
        println!("ready");
        let mut lines = std::io::stdin().lock().lines();
        loop {
            let line = match lines.next() {
                Some(Ok(l)) => l,
                _ => {
                    eprintln!("vmb-peer-vm-memory: --serve: input ended before \"e\"");
                    exit(1)
                }
            };
            if line == "e" {
                break;
            }
            match line.strip_prefix("s ").and_then(|v| v.parse::<usize>().ok()) {
                Some(i) if i < ops.len() => {
                    let ns = one(&mut f, i);
                    times[i].push(ns);
                    println!("{ns:.4}");
                }
                _ => {
                    eprintln!("vmb-peer-vm-memory: --serve: bad command '{line}'");
                    exit(2)
                }
            }
        }
    } else {
        for _ in 0..passes {
            for i in 0..ops.len() {
                let ns = one(&mut f, i);
                times[i].push(ns);
            }
        }
    }
    if let Some(i) = times.iter().position(|t| t.is_empty()) {
        eprintln!("vmb-peer-vm-memory: --serve: no sample of {} was asked for", ops[i].0);
        exit(1);
    }
    if failed != 0 {
        eprintln!("vmb-peer-vm-memory: {failed} timed operations returned an error");
        exit(1);
    }
    for (i, (name, op)) in ops.iter().enumerate() {
        let d = match op {
            Some((k, a)) => digest(&mut f, *k, *a).unwrap_or_else(|e| {
                eprintln!("vmb-peer-vm-memory: {name}: {e}");
                exit(1)
            }),
            None => {
                let mut h = FNV_START;
                for r in 0..FIND_REGIONS {
                    let start = f.few.find_region(GuestAddress(r * FIND_REGION_SIZE)).map_or(u64::MAX, |g| g.start_addr().0);
                    fnv1a(&mut h, &start.to_le_bytes());
                }
                h
            }
        };
        println!(
            "{{\"peer\":\"vm-memory\",\"op\":\"{name}\",\"ns\":{:.4},\"iters\":{},\"digest\":\"{d:016x}\"}}",
            median(&mut times[i]),
            iters[i]
        );
    }
}
