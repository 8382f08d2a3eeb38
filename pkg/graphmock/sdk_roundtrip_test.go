package graphmock

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/models"
	"github.com/microsoftgraph/msgraph-beta-sdk-go/models/odataerrors"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
)

// advanceOn429 sits under kiota's middleware, where the network would be: when the mock throttles, it moves
// the fake clock past the write window so that the retry the RetryHandler makes is let through.
type advanceOn429 struct {
	clock *FakeClock
	by    time.Duration
	next  http.RoundTripper
}

func (a advanceOn429) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		a.clock.Advance(a.by)
	}
	return resp, err
}

// sdkAdapter is the SDK's request adapter on the mock, with Graph's default middleware (retry,
// compression, …) and JSON serialization, built as pkg/graph builds it but without the SDK root package.
func sdkAdapter(t *testing.T, s *Server, clock *FakeClock) *msgraphgocore.GraphRequestAdapterBase {
	t.Helper()
	parse := absser.NewParseNodeFactoryRegistry()
	parse.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonParseNodeFactory()
	write := absser.NewSerializationWriterFactoryRegistry()
	write.ContentTypeAssociatedFactories["application/json"] = jsonserialization.NewJsonSerializationWriterFactory()
	options := msgraphgocore.GraphClientOptions{GraphServiceVersion: "beta"}
	transport := khttp.NewCustomTransportWithParentTransport(
		advanceOn429{clock: clock, by: time.Second, next: s.Client().Transport},
		msgraphgocore.GetDefaultMiddlewaresWithOptions(&options)...)
	adapter, err := msgraphgocore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		&authentication.AnonymousAuthenticationProvider{}, options, parse, write, &http.Client{Transport: transport})
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(s.BaseURL())
	return adapter
}

// sdkDeviceManagement is the SDK's deviceManagement request builder on the mock. Not
// NewDeviceManagementRequestBuilder(rawURL): a raw URL is copied into every child builder, which would then
// all request /deviceManagement itself.
func sdkDeviceManagement(t *testing.T, s *Server, clock *FakeClock) *devicemanagement.DeviceManagementRequestBuilder {
	t.Helper()
	return devicemanagement.NewDeviceManagementRequestBuilderInternal(map[string]string{}, sdkAdapter(t, s, clock))
}

func TestSDKRoundTrip(t *testing.T) {
	// A one-second write window keeps the RetryHandler's real wait (Retry-After: 1) as short as it can be.
	s, clock := startFake(t, Options{WriteLimit: 1, WriteWindow: time.Second})
	dm := sdkDeviceManagement(t, s, clock)
	ctx := context.Background()

	hw, _ := base64.StdEncoding.DecodeString(hash("s", 128))
	device := models.NewImportedWindowsAutopilotDeviceIdentity()
	device.SetSerialNumber(new("SDK0001"))
	device.SetGroupTag(new("Kiosk"))
	device.SetHardwareIdentifier(hw)
	body := devicemanagement.NewImportedWindowsAutopilotDeviceIdentitiesImportPostRequestBody()
	body.SetImportedWindowsAutopilotDeviceIdentities([]models.ImportedWindowsAutopilotDeviceIdentityable{device})
	imported, err := dm.ImportedWindowsAutopilotDeviceIdentities().ImportEscaped().PostAsImportPostResponse(ctx, body, nil)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if got := imported.GetValue(); len(got) != 1 || *got[0].GetState().GetDeviceImportStatus() != models.PENDING_IMPORTEDWINDOWSAUTOPILOTDEVICEIDENTITYIMPORTSTATUS {
		t.Fatalf("import answer %+v", got)
	}

	list, err := dm.ImportedWindowsAutopilotDeviceIdentities().Get(ctx, nil)
	if err != nil {
		t.Fatalf("list imports: %v", err)
	}
	rec := list.GetValue()[0]
	if *rec.GetState().GetDeviceImportStatus() != models.COMPLETE_IMPORTEDWINDOWSAUTOPILOTDEVICEIDENTITYIMPORTSTATUS || string(rec.GetHardwareIdentifier()) != string(hw) {
		t.Fatalf("import record %v %q", *rec.GetState().GetDeviceImportStatus(), rec.GetHardwareIdentifier())
	}

	devices := dm.WindowsAutopilotDeviceIdentities()
	id := *rec.GetState().GetDeviceRegistrationId()
	got, err := devices.ByWindowsAutopilotDeviceIdentityId(id).Get(ctx, nil)
	if err != nil {
		t.Fatalf("get device: %v", err)
	}
	if *got.GetId() != id || *got.GetSerialNumber() != "SDK0001" || *got.GetGroupTag() != "Kiosk" ||
		*got.GetEnrollmentState() != models.NOTCONTACTED_ENROLLMENTSTATE || got.GetLastContactedDateTime().Year() != 1 {
		t.Errorf("device %s %s %s %v", *got.GetId(), *got.GetSerialNumber(), *got.GetGroupTag(), got.GetEnrollmentState())
	}

	// The import used the window's one write: this one gets 429 + Retry-After: 1, which kiota honours.
	// (A bodiless action: kiota v1.5.6 resends a retried body uncompressed under "Content-Encoding: gzip",
	// because the compression handler runs after the retry handler and edits the shared header map.)
	if err := devices.ByWindowsAutopilotDeviceIdentityId(id).UnassignUserFromDevice().Post(ctx, nil); err != nil {
		t.Fatalf("unassignUserFromDevice: %v", err)
	}
	if st := s.Stats(); st.Throttled != 1 || st.ByRoute["POST "+devicesPath+"/{id}/unassignUserFromDevice"] != 2 {
		t.Errorf("expected one throttled attempt and a retry: %+v", st)
	}

	_, err = devices.ByWindowsAutopilotDeviceIdentityId("missing").Get(ctx, nil)
	var odataErr *odataerrors.ODataError
	if !errors.As(err, &odataErr) {
		t.Fatalf("error %T %v, want *odataerrors.ODataError", err, err)
	}
	main := odataErr.GetErrorEscaped()
	if odataErr.ResponseStatusCode != 404 || *main.GetCode() != "ResourceNotFound" || *main.GetInnerError().GetRequestId() == "" {
		t.Errorf("ODataError %d %s %v", odataErr.ResponseStatusCode, *main.GetCode(), main.GetInnerError().GetRequestId())
	}
}
