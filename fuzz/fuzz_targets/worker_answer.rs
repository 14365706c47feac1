#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| thaw::fuzz::worker_answer(data));
