package io.berth.coordinator.state;

import io.atomix.primitive.PrimitiveManagementService;
import io.atomix.primitive.PrimitiveType;
import io.atomix.primitive.config.PrimitiveConfig;
import io.atomix.primitive.service.PrimitiveService;
import io.atomix.primitive.service.ServiceConfig;

/**
 * Registers {@link StateService} with this member's Raft server. One instance per member, since
 * the services it creates feed that member's replica view. Only the service side is used: clients
 * talk to it through a raw session, not an Atomix primitive proxy.
 */
@SuppressWarnings("rawtypes")
final class StateServiceType implements PrimitiveType {
  static final String NAME = "berth-state";

  private final StateService.Sink sink;

  StateServiceType(StateService.Sink sink) {
    this.sink = sink;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PrimitiveService newService(ServiceConfig config) {
    return new StateService(sink);
  }

  @Override
  public PrimitiveConfig newConfig() {
    throw new UnsupportedOperationException("berth-state has no Atomix primitive configuration");
  }

  @Override
  public io.atomix.primitive.PrimitiveBuilder newBuilder(String name, io.atomix.primitive.config.PrimitiveConfig config,
      PrimitiveManagementService managementService) {
    throw new UnsupportedOperationException("berth-state is used through RaftClusterStore, not an Atomix builder");
  }
}
