//! The key table: lookups per mode, and the hints drawn from it.

use super::*;

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn every_key_is_bound_once_per_mode() {
    for mode in KeyMode::ALL {
        let mut seen = Vec::new();
        for b in of_mode(mode) {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} is bound twice in {mode:?}");
                seen.push(*k);
            }
        }
    }
}

#[test]
fn keys_map_to_actions_by_mode() {
    let live = |c| lookup(KeyMode::Live, press(c));
    assert_eq!(live(KeyCode::Enter), Lookup::Action(Action::Fire));
    assert_eq!(
        live(KeyCode::Char('2')),
        Lookup::Action(Action::PlanKind(PlanKind::Serial))
    );
    assert_eq!(live(KeyCode::Char('q')), Lookup::Action(Action::Quit));
    assert_eq!(live(KeyCode::Char('Q')), Lookup::Unbound);
    assert_eq!(live(KeyCode::Char(',')), Lookup::OtherMode);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(lookup(KeyMode::Live, ctrl_c), Lookup::Action(Action::Quit));
    // Plain `c` clears; only Ctrl-C quits.
    assert_eq!(live(KeyCode::Char('c')), Lookup::Action(Action::Clear));
    let replay = |c| lookup(KeyMode::Replay, press(c));
    assert_eq!(replay(KeyCode::Char('+')), Lookup::Action(Action::Faster));
    assert_eq!(
        replay(KeyCode::Char('p')),
        Lookup::Action(Action::TogglePlayback)
    );
    assert_eq!(replay(KeyCode::Enter), Lookup::OtherMode);
    let compare = |c| lookup(KeyMode::Compare, press(c));
    assert_eq!(compare(KeyCode::Enter), Lookup::Action(Action::Fire));
    assert_eq!(compare(KeyCode::Char('r')), Lookup::OtherMode);
}

#[test]
fn every_mode_can_quit_and_get_help() {
    for mode in KeyMode::ALL {
        assert!(hints(mode).any(|(_, h)| h == "help"), "{mode:?}");
        assert!(hints(mode).any(|(_, h)| h == "quit"), "{mode:?}");
    }
}
