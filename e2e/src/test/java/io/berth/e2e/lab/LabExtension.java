package io.berth.e2e.lab;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test classes the one {@link Lab} of this test run: started by the first class that
 * needs it, shared by the others (a lab costs half a minute), torn down when the run ends. Use
 * with {@code @ExtendWith(LabExtension.class)} and take a {@code Lab} parameter in
 * {@code @BeforeAll}.
 */
public final class LabExtension implements BeforeAllCallback, ParameterResolver {
  /**
   * Lab test classes take {@code @Order(CLASS_ORDER + n)}: after every class without an order
   * (junit-platform.properties orders classes by @Order), so the lab is up only while they run.
   */
  public static final int CLASS_ORDER = 2_000_000_000;
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LabExtension.class);

  /** Held in the root context's store, so JUnit closes it once, after the last test class. */
  private static final class Running implements ExtensionContext.Store.CloseableResource {
    final Lab lab;
    final AssertionError failure;
    final Thread onKill;

    private Running(Lab lab, AssertionError failure) {
      this.lab = lab;
      this.failure = failure;
      // A run killed mid-way (Ctrl-C) still tears the lab down; `lab.sh up` also clears leftovers.
      this.onKill = lab == null ? null : new Thread(lab::down, "berth-lab-down");
      if (onKill != null) {
        Runtime.getRuntime().addShutdownHook(onKill);
      }
    }

    /** A lab that failed to come up fails every class that needs it, without trying again. */
    static Running start() {
      try {
        return new Running(Lab.up(), null);
      } catch (AssertionError e) {
        return new Running(null, e);
      }
    }

    Lab lab() {
      if (failure != null) {
        throw failure;
      }
      return lab;
    }

    @Override
    public void close() {
      if (lab == null) {
        return;
      }
      try {
        Runtime.getRuntime().removeShutdownHook(onKill);
      } catch (IllegalStateException shuttingDown) {
        return; // the hook is tearing it down already
      }
      lab.down();
      System.out.println("[lab timing] summary:\n" + Timings.summary());
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    LabRequirements.check();
    lab(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Lab.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return lab(context);
  }

  private static Lab lab(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(Running.class, k -> Running.start(), Running.class).lab();
  }
}
