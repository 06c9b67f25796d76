//! systemd's readiness protocol (`sd_notify`): datagrams to `$NOTIFY_SOCKET`, so units
//! can use `Type=notify` with `boothd -S`.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// Sends `state` (e.g. `READY=1\nSTATUS=…`) to `socket_path`, the value of
/// `NOTIFY_SOCKET` (a path, or `@name` for an abstract socket). Silent when unset.
pub fn notify(socket_path: Option<&str>, state: &str) -> std::io::Result<()> {
    let Some(path) = socket_path.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let addr = match path.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes())?,
        None => SocketAddr::from_pathname(path)?,
    };
    let sock = UnixDatagram::unbound()?;
    sock.send_to_addr(state.as_bytes(), &addr)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_reaches_a_path_socket() {
        let path = std::env::temp_dir().join(format!("booth-rs-notify-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let rx = UnixDatagram::bind(&path).expect("bind");
        notify(path.to_str(), "READY=1\nSTATUS=Running").expect("send");
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).expect("recv");
        let _ = std::fs::remove_file(&path);
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=Running");
    }

    #[test]
    fn abstract_socket_and_unset_variable() {
        let name = format!("booth-rs-notify-abs-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).expect("addr");
        let rx = UnixDatagram::bind_addr(&addr).expect("bind");
        notify(Some(&format!("@{name}")), "READY=1").expect("send");
        let mut buf = [0u8; 16];
        let n = rx.recv(&mut buf).expect("recv");
        assert_eq!(&buf[..n], b"READY=1");
        assert!(notify(None, "READY=1").is_ok());
    }
}
