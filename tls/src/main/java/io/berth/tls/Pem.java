package io.berth.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** PEM text for certificates, private keys (PKCS#8) and certificate requests. */
public final class Pem {
  private Pem() {}

  public static String of(Object certOrKeyOrCsr) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      if (certOrKeyOrCsr instanceof PrivateKey k) {
        w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
      } else {
        w.writeObject(certOrKeyOrCsr);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write PEM", e);
    }
    return out.toString();
  }

  public static String ofChain(List<X509Certificate> chain) {
    StringBuilder b = new StringBuilder();
    for (X509Certificate c : chain) {
      b.append(of(c));
    }
    return b.toString();
  }

  /** Every certificate in the text, in order. */
  public static List<X509Certificate> certificates(String pem) {
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      Collection<? extends java.security.cert.Certificate> all =
          f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      List<X509Certificate> out = new ArrayList<>();
      for (var c : all) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IllegalArgumentException("no certificate in the PEM text");
      }
      return out;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
  }

  public static X509Certificate certificate(String pem) {
    return certificates(pem).get(0);
  }

  public static PrivateKey privateKey(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return conv.getKeyPair(pair).getPrivate();
      }
      throw new IllegalArgumentException("no private key in the PEM text");
    } catch (IOException e) {
      throw new IllegalArgumentException("not a PEM private key", e);
    }
  }

  public static PKCS10CertificationRequest certificationRequest(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (o instanceof PKCS10CertificationRequest csr) {
        return csr;
      }
      throw new IllegalArgumentException("no certificate request (CSR) in the PEM text");
    } catch (IOException e) {
      throw new IllegalArgumentException("not a PEM certificate request", e);
    }
  }
}
