package io.factoryfl.participant.enrol;

import io.factoryfl.core.security.TlsMaterial;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/** The channel of a node that has no certificate yet. */
public final class EnrolmentChannels {

  private EnrolmentChannels() {}

  /**
   * A TLS 1.3 channel that presents no client certificate and accepts only a server certificate
   * issued by {@code ca} whose SubjectAlternativeName matches the host in {@code target}. It is
   * how the site knows it hands its token to the federation's coordinator and not to an
   * impostor, so {@code ca} must come from the CA operator out of band, never from the
   * network. The caller owns the channel and must shut it down.
   *
   * @param target e.g. {@code coordinator.example.com:7443}
   */
  /**
   * As {@link #withoutCertificate}, but the coordinator is recognised by the CA fingerprint the
   * token carries instead of a CA file.
   */
  static ManagedChannel pinned(String target, PinnedCaTrustManager trust) throws SSLException {
    return NettyChannelBuilder.forTarget(target)
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient().trustManager(trust))
            .protocols("TLSv1.3")
            .build())
        .build();
  }

  public static ManagedChannel withoutCertificate(String target, X509Certificate ca)
      throws SSLException {
    return NettyChannelBuilder.forTarget(target)
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
                .trustManager(TlsMaterial.trustOnly(List.of(ca))))
            .protocols("TLSv1.3")
            .build())
        .build();
  }
}
