package io.berth.coordinator.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one decoded request into one response: checks the method and the request line, asks
 * {@link Routes}, writes the answer (files streamed in chunks, so TLS works too), and logs it.
 * A malformed request gets a 4xx and its connection closed; it never reaches the routes.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);
  private static final int FILE_CHUNK = 64 * 1024;

  private final Routes routes;
  private final RequestCounters counters;

  RequestHandler(Routes routes, RequestCounters counters) {
    this.routes = routes;
    this.counters = counters;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    Response response = answer(request);
    boolean head = request.method().equals(HttpMethod.HEAD);
    boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess()
        && response.status().code() < 400;
    String where = ctx.pipeline().get(SslHandler.class) != null ? "https" : "http";
    LOG.info("{} {} {} {} {} {} bytes", where, ctx.channel().remoteAddress(), request.method(),
        Routes.printable(request.uri()), response.status().code(), head ? 0 : response.contentLength());
    counters.count(response.route(), response.status().code());
    ChannelFuture done = write(ctx, response, head, keepAlive);
    if (!keepAlive) {
      done.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private Response answer(FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      Throwable cause = request.decoderResult().cause();
      if (cause instanceof TooLongFrameException) {
        return Response.text("bad_request", HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request line or headers too long");
      }
      return Response.text("bad_request", HttpResponseStatus.BAD_REQUEST, "malformed request");
    }
    if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
      return Response.text("bad_method", HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method " + Routes.printable(request.method().name()) + " not allowed: this server only answers GET and HEAD")
          .withHeader("Allow", "GET, HEAD");
    }
    if (request.content().isReadable()) {
      return Response.text("bad_request", HttpResponseStatus.BAD_REQUEST, "a GET carries no body");
    }
    String path;
    try {
      path = new QueryStringDecoder(request.uri()).path();
    } catch (IllegalArgumentException e) {
      return Response.text("bad_path", HttpResponseStatus.BAD_REQUEST, "bad path encoding: " + Routes.printable(request.uri()));
    }
    return routes.get(path, request.headers().get(HttpHeaderNames.HOST));
  }

  private ChannelFuture write(ChannelHandlerContext ctx, Response r, boolean head, boolean keepAlive) {
    HttpResponse headers = (r.file() == null || head)
        ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
            head || r.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body()))
        : new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status());
    headers.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    headers.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.contentLength());
    headers.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    r.headers().forEach((k, v) -> headers.headers().set(k, v));
    if (headers instanceof FullHttpResponse) {
      return ctx.writeAndFlush(headers);
    }
    FileChannel file;
    try {
      file = FileChannel.open(r.file(), StandardOpenOption.READ);
    } catch (IOException e) {
      Response failed = Response.text(r.route(), HttpResponseStatus.SERVICE_UNAVAILABLE, "cannot read " + r.file().getFileName());
      return write(ctx, failed, false, false);
    }
    ctx.write(headers);
    try {
      // Chunks, not a zero-copy FileRegion: they pass through TLS as well as plain connections.
      return ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file, 0, r.fileLength(), FILE_CHUNK)));
    } catch (IOException e) {
      ctx.close();
      return ctx.newFailedFuture(e);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A client that vanished mid-download or spoke bad TLS: its connection goes, the server stays.
    LOG.debug("http connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
