package graphmock

import "fmt"

// SetReportedProfile makes the service report profileID as device deviceID's deployment profile, with
// status (a deploymentProfileAssignmentStatus value such as "assignedOutOfSync"), as a tenant shows it while
// the service has not yet recomputed the device's assignment. The next change that recomputes assignments
// (a group, membership, profile assignment or device change) puts the computed profile back. A test knob.
func (s *Server) SetReportedProfile(deviceID, profileID, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.autopilot.device(deviceID) == nil {
		return fmt.Errorf("graphmock: no Autopilot device %s", deviceID)
	}
	s.setDeviceProfile(deviceID, profileID, status)
	return nil
}
