package io.jdask.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;

/**
 * Sits after the {@code SslHandler} and turns its failures into one {@link ProtocolException} that says what went
 * wrong in a user's terms (the peer lacks this cluster's credentials, or does not speak TLS), which {@link NettyComm}
 * then logs once and reports as the close reason (so a client's connect fails with it).
 *
 * <p>With TLS 1.3 the side that opened a connection considers its handshake done before the other side has checked
 * its certificate: a refusal reaches it afterwards as an alert, an {@link SSLException} on read, which is mapped the
 * same way.
 */
final class TlsFailures extends ChannelInboundHandlerAdapter {
    private final boolean accepted;
    private boolean reported;

    /** {@code accepted}: this side accepted the connection (its listener's side), else it opened it. */
    TlsFailures(boolean accepted) {
        this.accepted = accepted;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            report(ctx, e.cause());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        SSLException ssl = sslCause(cause);
        if (ssl == null) {
            ctx.fireExceptionCaught(cause);
        } else if (!reported) {
            report(ctx, ssl);
        }
    }

    private void report(ChannelHandlerContext ctx, Throwable cause) {
        if (reported) {
            return;
        }
        reported = true;
        Throwable root = sslCause(cause) != null ? sslCause(cause) : cause;
        String why = root instanceof NotSslRecordException ? "the peer does not speak TLS" : root.getMessage();
        String peer = Addresses.format(ctx.channel().remoteAddress(), "tls");
        String text = accepted
                ? "refused a connection from " + peer + ": TLS handshake failed (" + why
                        + "); the peer does not hold this cluster's credentials"
                : "TLS handshake with " + peer + " failed (" + why
                        + "); this process's credentials are not of that cluster's CA, or it does not speak TLS";
        ctx.fireExceptionCaught(new ProtocolException(text, cause));
    }

    private static SSLException sslCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException s) {
                return s;
            }
        }
        return null;
    }
}
