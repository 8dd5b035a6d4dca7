package io.berth.coordinator.api;

import io.berth.coordinator.jobspec.JobSpecException;
import io.berth.coordinator.scheduler.JobHistory;
import io.berth.coordinator.jobspec.JobSpecParser;
import io.berth.coordinator.leader.LeaderLoops;
import io.berth.coordinator.leader.MemberWatch;
import io.berth.coordinator.security.ClusterJoins;
import io.berth.coordinator.security.ClusterSecrets;
import io.berth.coordinator.security.JoinToken;
import io.berth.coordinator.security.NodeCertificates;
import io.berth.coordinator.security.Revocations;
import io.berth.proto.RemoveNodeRequest;
import io.berth.proto.RemoveNodeResponse;
import io.berth.proto.RotateTokenRequest;
import io.berth.proto.RotateTokenResponse;
import io.berth.proto.ClusterJoinRequest;
import io.berth.proto.ClusterJoinResponse;
import io.berth.proto.ClusterMeta;
import io.berth.proto.MemberRecord;
import io.berth.proto.NodeStatus;
import io.berth.coordinator.session.SessionRegistry;
import io.berth.coordinator.state.ClusterSnapshot;
import io.berth.coordinator.state.ClusterStore;
import io.berth.coordinator.state.JobKey;
import io.berth.coordinator.state.TaskCounts;
import java.util.Map;
import io.berth.coordinator.zone.TaskNames;
import io.berth.proto.ClusterStatusRequest;
import io.berth.proto.ClusterStatusResponse;
import io.berth.proto.ControlServiceGrpc;
import io.berth.proto.DesiredState;
import io.berth.proto.JobRecord;
import io.berth.proto.JobSpec;
import io.berth.proto.JobState;
import io.berth.proto.JobStatus;
import io.berth.proto.JobStatusRequest;
import io.berth.proto.JobStatusResponse;
import io.berth.proto.JobSummary;
import io.berth.proto.ListJobsRequest;
import io.berth.proto.ListJobsResponse;
import io.berth.proto.ListNodesRequest;
import io.berth.proto.ListNodesResponse;
import io.berth.proto.ListTasksRequest;
import io.berth.proto.ListTasksResponse;
import io.berth.proto.LogChunk;
import io.berth.proto.Member;
import io.berth.proto.NodeRecord;
import io.berth.proto.RunJobRequest;
import io.berth.proto.RunJobResponse;
import io.berth.proto.StopJobRequest;
import io.berth.proto.StopJobResponse;
import io.berth.proto.TaskLogsRequest;
import io.berth.proto.TaskRecord;
import io.berth.proto.TaskView;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** The API the CLI speaks. Writes go to the replicated state; reads come from this replica. */
public final class ControlService extends ControlServiceGrpc.ControlServiceImplBase {
  private final ClusterStore store;
  private final JobSpecParser parser = new JobSpecParser();
  private final SessionRegistry sessions;
  private final LeaderLoops leader;
  private final MemberWatch members;
  private final Supplier<ClusterMeta> meta;
  private final TaskNames names;
  private final Clock clock;
  private final ClusterSecrets secrets;
  private final ClusterJoins joins;

  public ControlService(ClusterStore store, SessionRegistry sessions, LeaderLoops leader, MemberWatch members,
      Supplier<ClusterMeta> meta, TaskNames names, Clock clock, ClusterSecrets secrets) {
    this.secrets = secrets;
    this.joins = new ClusterJoins(secrets, GroupRoster.running(store, members));
    this.store = store;
    this.sessions = sessions;
    this.leader = leader;
    this.members = members;
    this.meta = meta;
    this.names = names;
    this.clock = clock;
  }

  @Override
  public void listNodes(ListNodesRequest request, StreamObserver<ListNodesResponse> out) {
    reply(out, () -> ListNodesResponse.newBuilder().addAllNodes(store.snapshot().nodes().values()).build());
  }

  @Override
  public void runJob(RunJobRequest request, StreamObserver<RunJobResponse> out) {
    reply(out, () -> {
      JobSpec spec;
      try {
        spec = parser.parse(request.getSourceName().isEmpty() ? "job" : request.getSourceName(), request.getSpecYaml());
      } catch (JobSpecException e) {
        throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
      }
      JobKey key = JobKey.of(spec);
      ClusterStore.JobWrite w = store.updateJob(key, old -> register(old, spec));
      store.awaitVersion(w.version(), ClusterStore.defaultTimeout());
      return RunJobResponse.newBuilder()
          .setJob(key.name())
          .setNamespace(key.namespace())
          .setVersion(w.state().getJob().getVersion())
          .setChanged(w.written())
          .build();
    });
  }

  /** A new version when the spec changed or the job was stopped; the same state otherwise. */
  private JobState register(JobState old, JobSpec spec) {
    if (old != null && old.getJob().getSpec().equals(spec) && old.getJob().getStatus() == JobStatus.JOB_RUNNING) {
      return old;
    }
    long version = old == null ? 1 : old.getJob().getVersion() + 1;
    JobRecord job = JobRecord.newBuilder()
        .setSpec(spec)
        .setVersion(version)
        .setStatus(JobStatus.JOB_RUNNING)
        .setSubmittedAtMs(clock.millis())
        .build();
    return JobVersions.next(old, job);
  }

  @Override
  public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> out) {
    reply(out, () -> {
      ListJobsResponse.Builder r = ListJobsResponse.newBuilder();
      ClusterSnapshot s = store.snapshot();
      for (Map.Entry<JobKey, JobState> e : s.jobHeaders().entrySet()) {
        JobState js = e.getValue();
        if (request.getNamespace().isEmpty() || js.getJob().getSpec().getNamespace().equals(request.getNamespace())) {
          r.addJobs(summary(js, s.taskCounts(e.getKey())));
        }
      }
      return r.build();
    });
  }

  /** {@code js}'s record with its task counts. */
  static JobSummary summary(JobState js, TaskCounts counts) {
    return JobSummary.newBuilder().setJob(js.getJob()).setDesired(TaskCounts.desired(js)).setRunning(counts.running())
        .setPending(counts.pending()).setFailed(counts.failed()).build();
  }

  @Override
  public void getJobStatus(JobStatusRequest request, StreamObserver<JobStatusResponse> out) {
    reply(out, () -> {
      JobKey key = JobKey.of(request.getNamespace(), request.getJob());
      ClusterSnapshot s = store.snapshot();
      JobState js = s.job(key).orElseThrow(() -> notFound(key));
      return JobStatusResponse.newBuilder()
          .setSummary(summary(js, s.taskCounts(key)))
          .addAllTasks(js.getTasksList())
          .addAllPlacementFailures(leader.placementFailures(key))
          .addAllOutcome(io.berth.coordinator.scheduler.JobOutcome.describe(js, clock.millis()))
          .build();
    });
  }

  @Override
  public void stopJob(StopJobRequest request, StreamObserver<StopJobResponse> out) {
    reply(out, () -> {
      JobKey key = JobKey.of(request.getNamespace(), request.getJob());
      if (store.snapshot().job(key).isEmpty()) {
        throw notFound(key);
      }
      ClusterStore.JobWrite w = store.updateJob(key, old -> {
        if (old == null || old.getJob().getStatus() == JobStatus.JOB_STOPPED) {
          return old;
        }
        return old.toBuilder().setJob(old.getJob().toBuilder()
            .setStatus(JobStatus.JOB_STOPPED)
            .setVersion(old.getJob().getVersion() + 1)).build();
      });
      if (w.state() == null) {
        throw notFound(key);
      }
      store.awaitVersion(w.version(), ClusterStore.defaultTimeout());
      return StopJobResponse.newBuilder().setVersion(w.state().getJob().getVersion()).build();
    });
  }

  @Override
  public void listTasks(ListTasksRequest request, StreamObserver<ListTasksResponse> out) {
    reply(out, () -> {
      ClusterSnapshot s = store.snapshot();
      ListTasksResponse.Builder r = ListTasksResponse.newBuilder();
      for (Map.Entry<JobKey, JobState> e : s.jobHeaders().entrySet()) {
        JobState js = e.getValue();
        JobSpec spec = js.getJob().getSpec();
        if (!request.getJob().isEmpty() && !spec.getName().equals(request.getJob())) {
          continue;
        }
        if (!request.getNamespace().isEmpty() && !spec.getNamespace().equals(request.getNamespace())) {
          continue;
        }
        for (TaskRecord t : s.tasksOf(e.getKey())) {
          if (!request.getAll() && t.getDesired() != DesiredState.DESIRED_RUN) {
            continue;
          }
          String address = s.node(t.getNode()).map(n -> n.getFacts().getAddress()).orElse("");
          r.addTasks(TaskView.newBuilder().setTask(t).setName(TaskNames.hostName(names.task(t))).setAddress(address));
        }
      }
      return r.build();
    });
  }

  @Override
  public void taskLogs(TaskLogsRequest request, StreamObserver<LogChunk> out) {
    try {
      ClusterSnapshot s = store.snapshot();
      TaskRecord task = findTask(s, request.getTask())
          .orElseThrow(() -> Status.NOT_FOUND.withDescription(
              "no task " + request.getTask() + " (see `berth ps` for task ids and names)").asRuntimeException());
      var session = sessions.session(task.getNode()).orElseThrow(() -> Status.UNAVAILABLE.withDescription(
          "node " + task.getNode() + " of task " + task.getId() + " has no session with this coordinator").asRuntimeException());
      session.requestLogs(task.getId(), request.getTailLines(), out);
    } catch (StatusRuntimeException e) {
      out.onError(e);
    }
  }

  /** By id, or by name (FQDN, with or without the zone); the newest placement wins. */
  private Optional<TaskRecord> findTask(ClusterSnapshot s, String idOrName) {
    Optional<TaskRecord> byId = s.task(idOrName);
    if (byId.isPresent()) {
      return byId;
    }
    String wanted = TaskNames.hostName(idOrName);
    TaskRecord best = null;
    for (TaskRecord t : s.allTasks()) {
      String fqdn = TaskNames.hostName(names.task(t));
      if (fqdn.equals(wanted) || fqdn.equals(wanted + "." + TaskNames.hostName(names.zone()))) {
        if (best == null || t.getCreatedAtMs() > best.getCreatedAtMs()) {
          best = t;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  @Override
  public void getClusterStatus(ClusterStatusRequest request, StreamObserver<ClusterStatusResponse> out) {
    reply(out, () -> {
      ClusterSnapshot s = store.snapshot();
      ClusterStore.MembershipView m = store.membership();
      String leaderMember = s.leader().map(l -> l.getMember()).orElse("");
      ClusterStatusResponse.Builder r = ClusterStatusResponse.newBuilder()
          .setClusterZone(names.zone())
          .setStateVersion(s.version())
          .setNodes(s.nodes().size())
          .setReadyNodes((int) s.nodes().values().stream().filter(n -> n.getStatus() == NodeStatus.NODE_READY).count())
          .setJobs(s.jobCount())
          .setTasks(s.taskCount())
          .setRaftTerm(m.term())
          .setAnsweredBy(m.self())
          .setLeaderEpoch(s.leader().map(l -> l.getEpoch()).orElse(0L))
          .setCommitIndex(m.commitIndex())
          .setAppliedIndex(m.appliedIndex());
      // Sessions here, and those fresh member records list that are not here (a poll of this
      // should not cost a sorted copy of 10,000 names: monitoring asks it every few seconds).
      java.util.Set<String> elsewhere = new java.util.HashSet<>();
      for (MemberRecord rec : s.members().values()) {
        if (members.fresh(rec.getId(), 3_000_000_000L)) {
          for (String node : rec.getConnectedNodesList()) {
            if (!sessions.connected(node)) {
              elsewhere.add(node);
            }
          }
        }
      }
      r.setConnectedNodes(sessions.connectedCount() + elsewhere.size());
      for (String id : m.members()) {
        MemberRecord rec = s.members().get(id);
        MemberHealth health = MemberHealth.of(id, m, rec, members.fresh(id, GroupRoster.FRESH_NANOS));
        String address = m.raftAddresses().getOrDefault(id, "");
        r.addMembers(Member.newBuilder()
            .setId(id)
            .setAddress(!address.isEmpty() || rec == null ? address : rec.getRaftAddress())
            .setGrpcEndpoint(rec == null ? "" : rec.getGrpcEndpoint())
            .setLeader(id.equals(leaderMember))
            .setRaftLeader(id.equals(m.raftLeader()))
            .setHealthy(health.healthy())
            .setHealth(health.text())
            .setCommitIndex(health.commitIndex())
            .setAppliedIndex(health.appliedIndex())
            .setRaftRole(m.joining().contains(id) ? "joining" : "voter")
            .setSessions(rec == null ? 0 : rec.getConnectedNodesCount()));
      }
      return r.build();
    });
  }

  @Override
  public void joinCluster(ClusterJoinRequest request, StreamObserver<ClusterJoinResponse> out) {
    reply(out, () -> {
      ClusterJoinResponse r = joins.answer(request, meta.get());
      // A member removed earlier may come back, at the same address, through the token only.
      String id = io.berth.coordinator.MemberIdentity.idOf(request.getRaftAddress());
      if (meta.get().getRemovedMembersList().contains(id)) {
        store.updateMeta(old -> MemberRemoval.readmit(old, id));
        awaitMembersApplied(store.snapshot().version(), java.time.Duration.ofSeconds(5));
      }
      return r;
    });
  }

  /**
   * Every member judges a join by its own replica: before the readmitted member starts its join,
   * wait (bounded) until each member that is publishing its record says it has applied
   * {@code index}, so a lagging one does not refuse it by the mark just cleared.
   */
  private void awaitMembersApplied(long index, java.time.Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (System.nanoTime() < deadline) {
      ClusterSnapshot s = store.snapshot();
      boolean all = true;
      for (String id : store.membership().members()) {
        MemberRecord rec = s.members().get(id);
        if (rec != null && members.fresh(id, GroupRoster.FRESH_NANOS) && rec.getAppliedIndex() < index) {
          all = false;
        }
      }
      if (all) {
        return;
      }
      try {
        Thread.sleep(50); // member records move once a second: a condition to poll, nothing to await
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void removeMember(io.berth.proto.RemoveMemberRequest request,
      StreamObserver<io.berth.proto.RemoveMemberResponse> out) {
    reply(out, () -> {
      String id = MemberRemoval.resolve(request.getMember(), store.membership());
      // The mark first: a live member sees it and stops, and no member lets it rejoin the Raft group.
      store.updateMeta(old -> MemberRemoval.mark(old, id));
      try {
        store.removeFromRaft(id, MemberRemoval.TIMEOUT);
      } catch (IllegalArgumentException e) {
        store.updateMeta(old -> MemberRemoval.readmit(old, id));
        throw Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException();
      }
      store.deleteMember(id);
      return io.berth.proto.RemoveMemberResponse.newBuilder()
          .setMember(id)
          .addAllMembers(store.membership().members())
          .build();
    });
  }

  @Override
  public void rotateToken(RotateTokenRequest request, StreamObserver<RotateTokenResponse> out) {
    reply(out, () -> {
      String secret = JoinToken.newSecret();
      ClusterMeta m = store.updateMeta(old -> old.toBuilder().clearJoinSecret()
          .setJoinSecretSha256(JoinToken.secretHash(secret)).build());
      JoinToken token = new JoinToken(m.getCaFingerprint(), secret);
      try {
        secrets.writeToken(token);
      } catch (java.io.IOException e) {
        // The rotation stands; only this member's copy of the token is stale.
        org.slf4j.LoggerFactory.getLogger(ControlService.class).warn("cannot write the new join token file: {}", e.toString());
      }
      return RotateTokenResponse.newBuilder().setToken(token.toString()).build();
    });
  }

  @Override
  public void removeNode(RemoveNodeRequest request, StreamObserver<RemoveNodeResponse> out) {
    reply(out, () -> {
      NodeCertificates.checkName(request.getNode());
      int tasks = store.snapshot().tasksHoldingResourcesOn(request.getNode()).size();
      boolean existed = store.snapshot().node(request.getNode()).isPresent();
      // Revoke first: a node removed but not yet revoked could register itself again.
      store.updateMeta(old -> Revocations.revoke(old, request.getNode(), clock.instant()));
      boolean removed = store.removeNode(request.getNode());
      return RemoveNodeResponse.newBuilder().setExisted(existed || removed).setTasksToMove(tasks).build();
    });
  }

  @Override
  public void scaleJob(io.berth.proto.ScaleJobRequest request, StreamObserver<io.berth.proto.ScaleJobResponse> out) {
    reply(out, () -> {
      JobKey key = JobKey.of(request.getNamespace(), request.getJob());
      JobState current = store.snapshot().job(key).orElseThrow(() -> notFound(key));
      JobScale.check(current, key.name(), request.getGroup(), request.getCount());
      int[] previous = {JobScale.countOf(current, request.getGroup())};
      ClusterStore.JobWrite w = store.updateJob(key, old -> {
        if (old != null) {
          previous[0] = JobScale.countOf(old, request.getGroup());
        }
        return JobScale.apply(old, request.getGroup(), request.getCount(), clock.millis());
      });
      if (w.state() == null) {
        throw notFound(key);
      }
      store.awaitVersion(w.version(), ClusterStore.defaultTimeout());
      return io.berth.proto.ScaleJobResponse.newBuilder()
          .setVersion(w.state().getJob().getVersion())
          .setPreviousCount(previous[0])
          .setChanged(w.written())
          .build();
    });
  }

  @Override
  public void setNodeEligibility(
      io.berth.proto.NodeEligibilityRequest request, StreamObserver<io.berth.proto.NodeEligibilityResponse> out) {
    reply(out, () -> {
      NodeRecord node = store.snapshot().node(request.getNode()).orElseThrow(() -> Status.NOT_FOUND
          .withDescription("no node " + request.getNode() + " (see `berth node ls`)").asRuntimeException());
      NodeRecord next = node.toBuilder().setIneligible(!request.getEligible()).build();
      if (!next.equals(node)) {
        store.awaitVersion(store.putNode(next), ClusterStore.defaultTimeout());
      }
      return io.berth.proto.NodeEligibilityResponse.newBuilder()
          .setNode(next)
          .setTasksToMove(request.getEligible() ? 0 : NodeDrain.tasksToMove(store.snapshot(), request.getNode()))
          .build();
    });
  }

  @Override
  public void jobHistory(io.berth.proto.JobHistoryRequest request, StreamObserver<io.berth.proto.JobHistoryResponse> out) {
    reply(out, () -> {
      JobKey key = JobKey.of(request.getNamespace(), request.getJob());
      JobState js = store.snapshot().job(key).orElseThrow(() -> notFound(key));
      return io.berth.proto.JobHistoryResponse.newBuilder().addAllVersions(JobHistory.all(js)).build();
    });
  }

  @Override
  public void revertJob(io.berth.proto.RevertJobRequest request, StreamObserver<io.berth.proto.RevertJobResponse> out) {
    reply(out, () -> {
      JobKey key = JobKey.of(request.getNamespace(), request.getJob());
      JobVersions.revert(store.snapshot().job(key).orElseThrow(() -> notFound(key)), request.getVersion(), 0);
      ClusterStore.JobWrite w = store.updateJob(key, old -> JobVersions.revert(old, request.getVersion(), clock.millis()));
      if (w.state() == null) {
        throw notFound(key);
      }
      store.awaitVersion(w.version(), ClusterStore.defaultTimeout());
      return io.berth.proto.RevertJobResponse.newBuilder()
          .setVersion(w.state().getJob().getVersion()).setRevertedTo(request.getVersion()).build();
    });
  }

  private static StatusRuntimeException notFound(JobKey key) {
    return Status.NOT_FOUND.withDescription("no job " + key.name() + " in namespace " + key.namespace()).asRuntimeException();
  }

  private static <T> void reply(StreamObserver<T> out, Supplier<T> body) {
    try {
      out.onNext(body.get());
      out.onCompleted();
    } catch (StatusRuntimeException e) {
      out.onError(e);
    } catch (ClusterStore.StoreUnavailableException e) {
      out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
    }
  }

}
