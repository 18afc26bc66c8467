package mqtt

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"groundtruth"
)

// authTimeout bounds the device lookup of one CONNECT.
const authTimeout = 10 * time.Second

// hook is the mochi hook that authenticates devices, applies the topic ACL and hands
// publishes to the PublishHandler. mochi calls OnPublish on the connection's read
// goroutine before it writes the PUBACK, so the handler gates the acknowledgement.
type hook struct {
	mochi.HookBase
	b          *Broker
	devices    DeviceLookup
	certs      CertificateLookup // nil: tokens only
	now        func() time.Time
	handler    PublishHandler
	status     StatusHandler
	maxPayload int

	mu    sync.Mutex
	conns map[*mochi.Client]*groundtruth.Device // authenticated connections
}

func (h *hook) ID() string { return "groundtruth-devices" }

func (h *hook) Provides(b byte) bool {
	return bytes.Contains([]byte{
		mochi.OnConnectAuthenticate,
		mochi.OnACLCheck,
		mochi.OnPublish,
		mochi.OnWill,
		mochi.OnDisconnect,
		mochi.OnPacketEncode,
	}, []byte{b})
}

// OnPacketEncode advertises the broker's limits in a successful MQTT 5 CONNACK, which
// mochi v2.7.9 does not do itself: maximum packet size and no retained messages.
func (h *hook) OnPacketEncode(cl *mochi.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type == packets.Connack && pk.ReasonCode == 0 && cl.Properties.ProtocolVersion == 5 {
		pk.Properties.MaximumPacketSize = uint32(h.maxPayload + packetOverhead)
		pk.Properties.RetainAvailable = 0
		pk.Properties.RetainAvailableFlag = true
	}
	return pk
}

// OnConnectAuthenticate accepts a CONNECT that identifies one enabled device, by a client
// certificate whose fingerprint the device registered (TLS listener only) or by username
// = device id and password = the device's token. When a client presents both, they must
// name the same device. A certificate that is not registered, is registered by several
// devices or is outside its validity period identifies nobody: the token, if any,
// decides. The username, when given, must be the device id, and the client id must be
// empty or the device id, so one device cannot take over another's session. A false
// return makes mochi answer 0x86 Bad User Name or Password (0x05 Not Authorized to MQTT
// 3.1.1 clients) whichever credential failed, so the answer does not tell an unknown
// certificate from a wrong token.
func (h *hook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user := string(pk.Connect.Username)
	token := string(pk.Connect.Password)
	ctx, cancel := context.WithTimeout(h.b.ctx, authTimeout)
	defer cancel()
	dev := h.certificateDevice(ctx, cl)
	if token != "" {
		if user == "" {
			h.b.counters.add("", reasonAuthFailed)
			return false
		}
		td, err := h.devices.DeviceByToken(ctx, token)
		if err != nil || td == nil {
			if err != nil && groundtruth.ErrorCode(err) != groundtruth.ENOTFOUND {
				h.b.log.Warn("mqtt device lookup", "username", user, "error", err)
			}
			h.b.counters.add("", reasonAuthFailed)
			return false
		}
		if dev != nil && (dev.TenantID != td.TenantID || dev.ID != td.ID) {
			h.b.counters.add(td.ID, reasonAuthFailed)
			h.b.log.Info("mqtt connect refused: the certificate and the token are of different devices",
				"device", td.ID, "tenant", td.TenantID, "certificate_device", dev.ID, "certificate_tenant", dev.TenantID)
			return false
		}
		dev = td
	}
	if dev == nil {
		h.b.counters.add("", reasonAuthFailed)
		return false
	}
	if (user != "" && user != dev.ID) || dev.Disabled ||
		(pk.Connect.ClientIdentifier != "" && pk.Connect.ClientIdentifier != dev.ID) {
		h.b.counters.add(dev.ID, reasonAuthFailed)
		h.b.log.Info("mqtt connect refused", "username", user, "device", dev.ID,
			"disabled", dev.Disabled, "client_id", pk.Connect.ClientIdentifier)
		return false
	}
	h.mu.Lock()
	h.conns[cl] = dev
	h.mu.Unlock()
	return true
}

// certificateDevice returns the device whose registered certificate the client presented
// in its TLS handshake, or nil. The handshake proved that the client holds the
// certificate's key; no chain is verified, the fingerprint is the identity.
func (h *hook) certificateDevice(ctx context.Context, cl *mochi.Client) *groundtruth.Device {
	tc, ok := cl.Net.Conn.(*tls.Conn)
	if !ok || h.certs == nil {
		return nil
	}
	peer := tc.ConnectionState().PeerCertificates
	if len(peer) == 0 {
		return nil
	}
	leaf := peer[0]
	dev, err := h.certs.DeviceByCertificate(ctx, groundtruth.CertFingerprint(leaf.Raw))
	switch groundtruth.ErrorCode(err) {
	case "":
	case groundtruth.ENOTFOUND:
		return nil
	case groundtruth.ECONFLICT:
		h.b.log.Warn("mqtt client certificate refused: registered by more than one device", "remote", cl.Net.Remote, "error", err)
		return nil
	default:
		h.b.log.Warn("mqtt device lookup by certificate", "remote", cl.Net.Remote, "error", err)
		return nil
	}
	if now := h.now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		h.b.log.Info("mqtt client certificate refused: outside its validity period", "device", dev.ID,
			"tenant", dev.TenantID, "not_after", leaf.NotAfter.UTC())
		return nil
	}
	return dev
}

// OnDisconnect forgets the connection. mochi sends the will before calling it.
func (h *hook) OnDisconnect(cl *mochi.Client, err error, expire bool) {
	h.mu.Lock()
	delete(h.conns, cl)
	h.mu.Unlock()
}

func (h *hook) device(cl *mochi.Client) *groundtruth.Device {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns[cl]
}

// topicKind returns "up" or "status" when topic is one of dev's own topics, else "".
func topicKind(dev *groundtruth.Device, topic string) string {
	prefix := "gt/v1/" + dev.TenantID + "/" + dev.ID + "/"
	if dev.TenantID == "" || !strings.HasPrefix(topic, prefix) {
		return ""
	}
	switch k := topic[len(prefix):]; k {
	case "up", "status":
		return k
	}
	return ""
}

// OnACLCheck allows a device to publish to its own up and status topics and refuses every
// subscription. mochi answers a refused QoS 1 publish with PUBACK 0x87 (MQTT 5) or closes
// the connection (3.1.1), and a refused subscription with SUBACK 0x87.
func (h *hook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	dev := h.device(cl)
	if dev == nil {
		return false
	}
	if write && topicKind(dev, topic) != "" {
		return true
	}
	h.b.counters.add(dev.ID, reasonACLDenied)
	return false
}

// OnPublish runs after the ACL check and before mochi writes the PUBACK
// (mochi server.go processPublish). Success returns CodeSuccessIgnore: mochi then acks with
// 0x00 but neither retains nor routes the message. A packets.Code error becomes the
// PUBACK reason code and reason string for MQTT 5 clients.
func (h *hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	dev := h.device(cl)
	if dev == nil { // not reachable: the ACL check refused it
		return pk, packets.ErrNotAuthorized
	}
	var code packets.Code
	switch topicKind(dev, pk.TopicName) {
	case "status":
		if h.status != nil {
			h.status.HandleStatus(h.b.ctx, dev, pk.Payload, false)
		}
		h.b.counters.add(dev.ID, reasonAccepted)
		return pk, packets.CodeSuccessIgnore
	case "up":
		if len(pk.Payload) > h.maxPayload {
			h.b.counters.add(dev.ID, reasonTooLarge)
			code = packets.ErrPacketTooLarge
			break
		}
		err := h.handler.HandlePublish(h.b.ctx, dev, pk.TopicName, pk.Payload)
		if err == nil {
			h.b.counters.add(dev.ID, reasonAccepted)
			return pk, packets.CodeSuccessIgnore
		}
		code = h.failure(dev, err)
	default:
		h.b.counters.add(dev.ID, reasonACLDenied)
		code = packets.ErrNotAuthorized
	}
	if cl.Properties.ProtocolVersion < 5 {
		// mochi would ack an MQTT 3.1.1 publish despite the error (it has no reason codes):
		// drop the packet unacknowledged and close the connection; the client resends.
		cl.Stop(code)
		return pk, packets.ErrRejectPacket
	}
	return pk, code
}

// failure counts and maps a handler error to a PUBACK reason code.
func (h *hook) failure(dev *groundtruth.Device, err error) packets.Code {
	var ge *groundtruth.Error
	if !errors.As(err, &ge) {
		h.b.counters.add(dev.ID, reasonFailed)
		h.b.log.Error("mqtt publish handler", "device", dev.ID, "tenant", dev.TenantID, "error", err)
		return packets.ErrUnspecifiedError
	}
	switch ge.Code {
	case groundtruth.EINVALID:
		h.b.counters.add(dev.ID, reasonPayloadInvalid)
		return packets.Code{Code: packets.ErrPayloadFormatInvalid.Code, Reason: ge.Error()}
	case groundtruth.ETOOLARGE:
		h.b.counters.add(dev.ID, reasonTooLarge)
		return packets.Code{Code: packets.ErrPacketTooLarge.Code, Reason: ge.Error()}
	case groundtruth.EUNAVAILABLE:
		h.b.counters.add(dev.ID, reasonUnavailable)
		return packets.Code{Code: packets.ErrQuotaExceeded.Code, Reason: ge.Error()}
	case groundtruth.ERATELIMIT:
		h.b.counters.add(dev.ID, reasonRateLimited)
		return packets.Code{Code: packets.ErrQuotaExceeded.Code, Reason: ge.Error()}
	case groundtruth.EFORBIDDEN, groundtruth.EUNAUTHORIZED, groundtruth.ECONFLICT:
		h.b.counters.add(dev.ID, reasonRefused)
		return packets.Code{Code: packets.ErrNotAuthorized.Code, Reason: ge.Error()}
	}
	h.b.counters.add(dev.ID, reasonFailed)
	h.b.log.Error("mqtt publish handler", "device", dev.ID, "tenant", dev.TenantID, "error", err)
	return packets.ErrUnspecifiedError
}

// OnWill hands a device's last will on its own status topic to the StatusHandler. The will
// is never retained; nobody can subscribe, so mochi routes it nowhere.
func (h *hook) OnWill(cl *mochi.Client, will mochi.Will) (mochi.Will, error) {
	will.Retain = false
	dev := h.device(cl)
	if dev == nil {
		return will, nil
	}
	if topicKind(dev, will.TopicName) != "status" {
		h.b.counters.add(dev.ID, reasonACLDenied)
		return will, nil
	}
	if h.status != nil {
		h.status.HandleStatus(h.b.ctx, dev, will.Payload, true)
	}
	return will, nil
}
