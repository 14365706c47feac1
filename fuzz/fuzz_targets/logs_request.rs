#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| thaw::fuzz::logs_request(data));
