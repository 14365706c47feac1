//! The physical reference for a burst's release: connect N sockets, then write one
//! request to each in a tight loop, then read every response. Used by
//! `scripts/bench-peers` to compare thaw's release spread against the raw limit.
//!
//! Usage: `raw_release HOST:PORT N`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().expect("HOST:PORT");
    let n: usize = args.next().expect("N").parse().expect("N is a number");
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let request = format!("GET / HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    let mut sockets: Vec<TcpStream> = (0..n)
        .map(|_| {
            let s = TcpStream::connect(&addr).unwrap();
            s.set_nodelay(true).unwrap();
            s
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    for s in &mut sockets {
        s.write_all(request.as_bytes()).unwrap();
    }
    let mut buf = [0u8; 1024];
    for s in &mut sockets {
        let _ = s.read(&mut buf).unwrap();
    }
}
