//! One client connection: pgwire's message loop, with PostgreSQL's rule for when replies go out.
//!
//! pgwire flushes the socket after most single replies (ParseComplete, BindComplete, the
//! Describe answer, CommandComplete, ReadyForQuery), so a pipelined extended-protocol round
//! (Parse, Bind, Describe, Execute, Sync: one packet from the client) cost five `send` calls,
//! each running the loopback stack, where PostgreSQL makes one. PostgreSQL flushes only when it
//! is about to wait for the client (or its output buffer fills); this loop does the same:
//! [`HeldWrites`] keeps the bytes of every flush until the loop has no further message to
//! answer without reading, and writes through once [`HELD_BYTES`] are waiting, so streamed
//! rows go out in large writes. The loop is pgwire's own (`process_socket`), built from its
//! public parts: TLS negotiation, message dispatch and error replies stay pgwire's.

use std::io;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::{Buf, BytesMut};
use datafusion_postgres::pgwire;
use futures::{FutureExt, SinkExt, StreamExt};
use pgwire::api::{ClientInfo, ErrorHandler, PgWireConnectionState, PgWireServerHandlers};
use pgwire::error::{ErrorInfo, PgWireError};
use pgwire::messages::PgWireFrontendMessage;
use pgwire::tokio::server::{negotiate_tls, process_error, process_message};
use pgwire::tokio::TlsAcceptor;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, FramedParts};

use super::errors::client_error;

/// How long a client has to finish startup and authentication (pgwire's own limit).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Output held back at most before it is written anyway (rows of a long result).
pub(crate) const HELD_BYTES: usize = 64 * 1024;

/// Serve one TCP connection until the client leaves or the connection fails.
pub(crate) async fn serve_connection<H: PgWireServerHandlers>(
    tcp: TcpStream,
    tls: Option<TlsAcceptor>,
    handlers: H,
) -> io::Result<()> {
    let startup_deadline = tokio::time::sleep(STARTUP_TIMEOUT);
    tokio::pin!(startup_deadline);
    let negotiated = tokio::select! {
        _ = &mut startup_deadline => return Ok(()),
        negotiated = negotiate_tls(tcp, tls) => negotiated?,
    };
    // A client opening with direct TLS while none is configured: nothing to say to it.
    let Some(negotiated) = negotiated else {
        return Ok(());
    };
    let parts = negotiated.into_parts();
    let mut held = FramedParts::new(HeldWrites::new(parts.io), parts.codec);
    held.read_buf = parts.read_buf;
    held.write_buf = parts.write_buf;
    let mut socket = Framed::from_parts(held);

    let startup = handlers.startup_handler();
    let simple = handlers.simple_query_handler();
    let extended = handlers.extended_query_handler();
    let copy = handlers.copy_handler();
    let cancel = handlers.cancel_handler();
    let errors = handlers.error_handler();
    loop {
        // A message already received is answered before anything is written.
        let receive = async {
            match socket.next().now_or_never() {
                Some(next) => Ok::<_, io::Error>(next),
                None => {
                    socket.get_mut().release();
                    socket.flush().await?;
                    socket.get_mut().hold();
                    if in_startup(socket.state()) {
                        Ok(tokio::select! {
                            _ = &mut startup_deadline => None,
                            next = socket.next() => next,
                        })
                    } else {
                        Ok(socket.next().await)
                    }
                }
            }
        };
        // pgwire's decoders panic on some malformed messages (a Bind or Parse whose counts
        // run past its end): the client is told, as PostgreSQL tells it, and the connection
        // closes; the server and its other sessions go on.
        let next = match AssertUnwindSafe(receive).catch_unwind().await {
            Ok(next) => next?,
            Err(_) => {
                let info = ErrorInfo::new(
                    "FATAL".into(),
                    "08P01".into(),
                    "invalid message: a field runs past the end of the message".into(),
                );
                process_error(&mut socket, PgWireError::UserError(Box::new(info)), false).await?;
                break;
            }
        };
        let Some(Ok(message)) = next else { break };
        // Terminate: the client is leaving and waits for the socket to close.
        if matches!(message, PgWireFrontendMessage::Terminate(_)) {
            break;
        }
        // The SQL text an error's cursor position counts into.
        let statement = match &message {
            PgWireFrontendMessage::Query(query) => Some(query.query.clone()),
            PgWireFrontendMessage::Parse(parse) => Some(parse.query.clone()),
            _ => None,
        };
        let wait_for_sync = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => message.is_extended_query(),
        };
        let handled = process_message(
            message,
            &mut socket,
            startup.clone(),
            simple.clone(),
            extended.clone(),
            copy.clone(),
            cancel.clone(),
        )
        .await;
        if let Err(mut error) = handled {
            errors.on_error(&socket, &mut error);
            let error = client_error(error, statement.as_deref());
            process_error(&mut socket, error, wait_for_sync).await?;
        }
    }
    socket.get_mut().release();
    socket.flush().await
}

fn in_startup(state: PgWireConnectionState) -> bool {
    matches!(
        state,
        PgWireConnectionState::AwaitingStartup | PgWireConnectionState::AuthenticationInProgress
    )
}

/// A socket whose flushes are held back until released (see the module doc).
pub(crate) struct HeldWrites<S> {
    inner: S,
    pending: BytesMut,
    holding: bool,
}

impl<S: AsyncWrite + Unpin> HeldWrites<S> {
    pub(crate) fn new(inner: S) -> Self {
        HeldWrites {
            inner,
            pending: BytesMut::with_capacity(8 * 1024),
            holding: true,
        }
    }

    /// Flushes from now on only keep their bytes.
    pub(crate) fn hold(&mut self) {
        self.holding = true;
    }

    /// Flushes from now on write everything kept.
    pub(crate) fn release(&mut self) {
        self.holding = false;
    }

    fn poll_write_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            let written = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.pending.advance(written);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HeldWrites<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeldWrites<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.pending.len() + buf.len() > HELD_BYTES {
            ready!(this.poll_write_pending(cx))?;
            if buf.len() > HELD_BYTES {
                return Pin::new(&mut this.inner).poll_write(cx, buf);
            }
        }
        this.pending.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.holding {
            return Poll::Ready(Ok(()));
        }
        ready!(this.poll_write_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_write_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn held_flushes_reach_the_peer_only_when_released() {
        let (near, mut far) = tokio::io::duplex(1 << 20);
        let mut held = HeldWrites::new(near);
        held.write_all(b"ParseComplete").await.unwrap();
        held.flush().await.unwrap();
        held.write_all(b"BindComplete").await.unwrap();
        held.flush().await.unwrap();
        let mut probe = [0u8; 64];
        let nothing_yet = far.read(&mut probe).now_or_never();
        assert!(
            nothing_yet.is_none(),
            "held bytes were written before release"
        );
        held.release();
        held.flush().await.unwrap();
        let read = far.read(&mut probe).await.unwrap();
        assert_eq!(&probe[..read], b"ParseCompleteBindComplete");
    }

    #[tokio::test]
    async fn long_output_is_written_while_held() {
        let (near, mut far) = tokio::io::duplex(1 << 22);
        let mut held = HeldWrites::new(near);
        let chunk = vec![7u8; 1000];
        for _ in 0..(HELD_BYTES / 1000 + 2) {
            held.write_all(&chunk).await.unwrap();
            held.flush().await.unwrap();
        }
        let mut probe = vec![0u8; HELD_BYTES * 2];
        let read = far.read(&mut probe).await.unwrap();
        assert!(read >= HELD_BYTES - 1000, "only {read} bytes written");
        assert!(held.pending.len() < HELD_BYTES);
    }

    #[tokio::test]
    async fn shutdown_writes_what_is_held() {
        let (near, mut far) = tokio::io::duplex(1 << 20);
        let mut held = HeldWrites::new(near);
        held.write_all(b"ErrorResponse").await.unwrap();
        held.shutdown().await.unwrap();
        let mut all = Vec::new();
        far.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"ErrorResponse");
    }
}
