package io.berth.coordinator.api;

import io.berth.coordinator.security.ClusterJoins;
import io.berth.proto.ClusterJoinRequest;
import io.berth.proto.ClusterJoinResponse;
import io.berth.proto.ClusterMeta;
import io.berth.proto.ControlServiceGrpc;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/**
 * The control API while this coordinator's Raft member is still starting: only JoinCluster, so the
 * members of a new group can fetch the CA from the first one (whose Raft start waits for them).
 * Everything else is refused until {@link ControlService} replaces it.
 */
public final class StartingControlService extends ControlServiceGrpc.ControlServiceImplBase {
  private final ClusterJoins joins;
  private final Supplier<ClusterMeta> meta;

  public StartingControlService(ClusterJoins joins, Supplier<ClusterMeta> meta) {
    this.joins = joins;
    this.meta = meta;
  }

  @Override
  public void joinCluster(ClusterJoinRequest request, StreamObserver<ClusterJoinResponse> out) {
    try {
      out.onNext(joins.answer(request, meta.get()));
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(e);
    }
  }
}
