// berth-go-executor: a small Mesos executor written on mesos-go's executor library, as Debian ships it
// (golang-github-mesos-mesos-go-dev). Berth's conformance tests run it against Berth's local agent simulator, so
// the simulator is held against an executor client that Berth did not write.
//
// Behaviour: read the MESOS_* environment (config.FromEnv), SUBSCRIBE (protobuf, the library's default codec);
// on LAUNCH send TASK_STARTING and TASK_RUNNING, then run the task's command (sh -c, or a direct exec with
// shell=false) and report TASK_FINISHED/TASK_FAILED by its exit status, or report TASK_FINISHED at once when the
// task has no command. Every update is kept until ACKNOWLEDGED and resent in the next SUBSCRIBE. KILL stops the
// command's process group (TASK_KILLED). Exits 0 once every launched task's terminal update is acknowledged, or on
// SHUTDOWN; exits 1 when it loses the agent and cannot get it back.
//
// Build (GOPATH mode, offline): GO111MODULE=off GOPATH=/usr/share/gocode go build -o bin/berth-go-executor .
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"sync"
	"syscall"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/mesos/mesos-go/api/v1/lib/executor/calls"
	"github.com/mesos/mesos-go/api/v1/lib/executor/config"
	"github.com/mesos/mesos-go/api/v1/lib/executor/events"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpexec"
)

const (
	apiPath = "/api/v1/executor"
	// Grace between SIGTERM and SIGKILL when neither KILL nor the task carries a kill policy (as Mesos' own).
	defaultKillGrace = 3 * time.Second
)

var errExit = errors.New("executor is done")

type task struct {
	info         mesos.TaskInfo
	cmd          *exec.Cmd
	killed       bool
	terminalUUID string // uuid of the terminal update, once sent
	terminalAckd bool
	exited       chan struct{} // closed when the command has been reaped and its terminal update sent
}

type state struct {
	mu             sync.Mutex
	cfg            config.Config
	sender         calls.Sender
	tasks          map[string]*task          // by task id
	unackedTasks   map[string]mesos.TaskInfo // until any update of the task is acknowledged
	unackedUpdates []executor.Call_Update    // in the order sent, until acknowledged (the agent replays them in order)
}

func main() {
	log.SetPrefix("berth-go-executor: ")
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatalf("cannot read the executor environment: %v", err)
	}
	endpoint := url.URL{Scheme: "http", Host: cfg.AgentEndpoint, Path: apiPath}
	log.Printf("executor %s of framework %s, agent %s, checkpoint=%v", cfg.ExecutorID, cfg.FrameworkID, endpoint.String(), cfg.Checkpoint)
	// No client-wide timeout: the SUBSCRIBE response is a stream that lives as long as the executor.
	client := httpcli.New(httpcli.Endpoint(endpoint.String()))
	s := &state{
		cfg:          cfg,
		sender:       calls.SenderWith(httpexec.NewSender(client.Send), calls.Framework(cfg.FrameworkID), calls.Executor(cfg.ExecutorID)),
		tasks:        map[string]*task{},
		unackedTasks: map[string]mesos.TaskInfo{},
	}
	os.Exit(s.run())
}

// run subscribes, handles events until told to stop, and re-subscribes after a disconnect when the framework
// checkpoints (as the Mesos executor library does), resending unacknowledged tasks and updates each time.
func (s *state) run() int {
	var disconnectedAt time.Time
	for {
		subscribed, err := s.subscribeOnce()
		if err == errExit {
			s.stopAll()
			return 0
		}
		log.Printf("disconnected from the agent: %v", err)
		if !s.cfg.Checkpoint {
			log.Print("framework checkpointing is off: shutting down")
			s.stopAll()
			return 1
		}
		if subscribed || disconnectedAt.IsZero() {
			disconnectedAt = time.Now()
		}
		if time.Since(disconnectedAt) > s.cfg.RecoveryTimeout {
			log.Printf("agent not back within the recovery timeout %v: shutting down", s.cfg.RecoveryTimeout)
			s.stopAll()
			return 1
		}
		time.Sleep(randomDuration(s.cfg.SubscriptionBackoffMax))
	}
}

// subscribeOnce runs one subscription; it reports whether SUBSCRIBED arrived, and errExit when the executor is done.
func (s *state) subscribeOnce() (subscribed bool, err error) {
	s.mu.Lock()
	tasks := make([]mesos.TaskInfo, 0, len(s.unackedTasks))
	for _, id := range sortedKeys(s.unackedTasks) {
		tasks = append(tasks, s.unackedTasks[id])
	}
	updates := append([]executor.Call_Update(nil), s.unackedUpdates...)
	s.mu.Unlock()
	log.Printf("SUBSCRIBE with %d unacknowledged tasks and %d unacknowledged updates", len(tasks), len(updates))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resp, err := s.sender.Send(ctx, calls.NonStreaming(calls.Subscribe(tasks, updates)))
	if resp != nil {
		defer resp.Close()
	}
	if err != nil {
		return false, err
	}
	handler := s.handler(&subscribed)
	for {
		var e executor.Event
		if err := resp.Decode(&e); err != nil {
			return subscribed, err
		}
		if err := handler.HandleEvent(ctx, &e); err != nil {
			return subscribed, err
		}
	}
}

func (s *state) handler(subscribed *bool) events.Handler {
	return events.HandlerFuncs{
		executor.Event_SUBSCRIBED: func(_ context.Context, e *executor.Event) error {
			*subscribed = true
			sub := e.GetSubscribed()
			log.Printf("SUBSCRIBED (agent %s, framework %s)", sub.AgentInfo.GetHostname(), sub.FrameworkInfo.GetName())
			return nil
		},
		executor.Event_LAUNCH: func(_ context.Context, e *executor.Event) error {
			s.launch(e.GetLaunch().Task)
			return nil
		},
		executor.Event_LAUNCH_GROUP: func(_ context.Context, e *executor.Event) error {
			for _, t := range e.GetLaunchGroup().TaskGroup.Tasks {
				s.launch(t)
			}
			return nil
		},
		executor.Event_KILL: func(_ context.Context, e *executor.Event) error {
			kill := e.GetKill()
			grace := defaultKillGrace
			if gp := kill.GetKillPolicy().GetGracePeriod(); gp != nil {
				grace = time.Duration(gp.Nanoseconds)
			}
			s.kill(kill.TaskID.Value, grace)
			return nil
		},
		executor.Event_ACKNOWLEDGED: func(_ context.Context, e *executor.Event) error {
			ack := e.GetAcknowledged()
			log.Printf("ACKNOWLEDGED task %s update %x", ack.TaskID.Value, ack.UUID)
			if s.acknowledged(ack.TaskID.Value, string(ack.UUID)) {
				return errExit
			}
			return nil
		},
		executor.Event_MESSAGE: func(_ context.Context, e *executor.Event) error {
			log.Printf("MESSAGE of %d bytes", len(e.GetMessage().Data))
			return nil
		},
		executor.Event_ERROR: func(_ context.Context, e *executor.Event) error {
			return fmt.Errorf("ERROR event: %s", e.GetError().Message)
		},
		executor.Event_SHUTDOWN: func(_ context.Context, _ *executor.Event) error {
			log.Print("SHUTDOWN")
			return errExit
		},
	}.Otherwise(func(_ context.Context, e *executor.Event) error {
		// Event types newer than this library (HEARTBEAT) arrive as bare numbers: ignore them, as Mesos' own does.
		log.Printf("ignoring event of type %d", int32(e.GetType()))
		return nil
	})
}

func (s *state) launch(info mesos.TaskInfo) {
	id := info.TaskID.Value
	s.mu.Lock()
	if _, dup := s.tasks[id]; dup {
		s.mu.Unlock()
		log.Printf("LAUNCH of task %s again: ignored", id)
		return
	}
	t := &task{info: info, exited: make(chan struct{})}
	s.tasks[id] = t
	s.unackedTasks[id] = info
	s.mu.Unlock()
	log.Printf("LAUNCH task %s (%s)", id, info.Name)

	s.update(t, mesos.TASK_STARTING, "")
	command := info.GetCommand()
	if command.GetValue() == "" {
		s.update(t, mesos.TASK_RUNNING, "")
		s.update(t, mesos.TASK_FINISHED, "task has no command")
		close(t.exited)
		return
	}
	var cmd *exec.Cmd
	if command.GetShell() {
		cmd = exec.Command("/bin/sh", "-c", command.GetValue())
	} else {
		cmd = exec.Command(command.GetValue())
		if args := command.GetArguments(); len(args) > 0 {
			cmd.Args = args
		}
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	for _, v := range command.GetEnvironment().GetVariables() {
		if v.GetType() != mesos.Environment_Variable_SECRET {
			cmd.Env = append(cmd.Env, v.Name+"="+v.GetValue())
		}
	}
	// Own process group, so KILL and SHUTDOWN reach everything the command starts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.update(t, mesos.TASK_FAILED, "cannot start the command: "+err.Error())
		close(t.exited)
		return
	}
	s.mu.Lock()
	t.cmd = cmd
	s.mu.Unlock()
	s.update(t, mesos.TASK_RUNNING, "")
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		killed := t.killed
		s.mu.Unlock()
		state, message := mesos.TASK_FINISHED, "Command exited with status 0"
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			state, message = mesos.TASK_FAILED, "Command terminated with signal "+ws.Signal().String()
		} else if err != nil {
			state, message = mesos.TASK_FAILED, fmt.Sprintf("Command exited with status %d", cmd.ProcessState.ExitCode())
		}
		if killed {
			state = mesos.TASK_KILLED
		}
		s.update(t, state, message)
		close(t.exited)
	}()
}

// kill sends SIGTERM to the task's process group and SIGKILL after the grace period.
func (s *state) kill(id string, grace time.Duration) {
	s.mu.Lock()
	t := s.tasks[id]
	if t == nil || t.cmd == nil || t.killed {
		s.mu.Unlock()
		log.Printf("KILL task %s: nothing to kill", id)
		return
	}
	t.killed = true
	pgid := t.cmd.Process.Pid
	s.mu.Unlock()
	log.Printf("KILL task %s: SIGTERM to process group %d, SIGKILL in %v", id, pgid, grace)
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	go func() {
		select {
		case <-t.exited:
		case <-time.After(grace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}()
}

// stopAll kills what still runs and waits for it, bounded by the agent's shutdown grace period.
func (s *state) stopAll() {
	s.mu.Lock()
	running := map[string]*task{}
	for id, t := range s.tasks {
		if t.cmd != nil && t.terminalUUID == "" {
			running[id] = t
		}
	}
	s.mu.Unlock()
	for id := range running {
		s.kill(id, defaultKillGrace)
	}
	deadline := time.After(s.cfg.ExecutorShutdownGracePeriod)
	for _, t := range running {
		select {
		case <-t.exited:
		case <-deadline:
			log.Print("tasks still running at the end of the shutdown grace period")
			return
		}
	}
}

// update sends one status update; it stays unacknowledged (and is resent on re-subscribe) until ACKNOWLEDGED.
func (s *state) update(t *task, state mesos.TaskState, message string) {
	id := t.info.TaskID
	uuid := newUUID()
	executorID := mesos.ExecutorID{Value: s.cfg.ExecutorID}
	timestamp := float64(time.Now().UnixNano()) / 1e9
	status := mesos.TaskStatus{
		TaskID:     id,
		State:      state.Enum(),
		Source:     mesos.SOURCE_EXECUTOR.Enum(),
		ExecutorID: &executorID,
		UUID:       uuid,
		Timestamp:  &timestamp,
	}
	if message != "" {
		status.Message = &message
	}
	call := calls.Update(status)
	s.mu.Lock()
	s.unackedUpdates = append(s.unackedUpdates, *call.Update)
	if isTerminal(state) {
		t.terminalUUID = string(uuid)
	}
	s.mu.Unlock()
	log.Printf("UPDATE task %s %s uuid %x", id.Value, state, uuid)
	if err := calls.SendNoData(context.Background(), s.sender, calls.NonStreaming(call)); err != nil {
		log.Printf("UPDATE task %s %s failed (kept for the next SUBSCRIBE): %v", id.Value, state, err)
	}
}

// acknowledged records an ACKNOWLEDGED event and reports whether every task's terminal update is now acknowledged.
func (s *state) acknowledged(taskID, uuid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.unackedUpdates[:0]
	for _, u := range s.unackedUpdates {
		if string(u.Status.UUID) != uuid {
			kept = append(kept, u)
		}
	}
	s.unackedUpdates = kept
	delete(s.unackedTasks, taskID)
	if t := s.tasks[taskID]; t != nil && t.terminalUUID == uuid {
		t.terminalAckd = true
	}
	if len(s.tasks) == 0 {
		return false
	}
	for _, t := range s.tasks {
		if !t.terminalAckd {
			return false
		}
	}
	return true
}

func isTerminal(state mesos.TaskState) bool {
	switch state {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_ERROR, mesos.TASK_LOST,
		mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// newUUID returns 16 raw bytes of an RFC 4122 version-4 uuid, the form the agent validates.
func newUUID() []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		log.Fatalf("no randomness for a uuid: %v", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

func randomDuration(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(max)))
	if err != nil {
		return max
	}
	return time.Duration(n.Int64())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
