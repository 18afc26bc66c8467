package sim

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"groundtruth/ingest"

	"github.com/eclipse/paho.golang/paho"
)

// device is a simulated device: its model, its keys and its MQTT session.
type device struct {
	spec   Device
	tenant string
	body   *body
	start  time.Time // its scenario's start
	rng    *rand.Rand
	key    ed25519.PrivateKey
	forger ed25519.PrivateKey // the fraudster's key, for forge
	token  string
	client *paho.Client
	conn   net.Conn
	topic  string

	seq    uint64
	mode   string // "", stuck, silent, replay, forge, skew
	skew   time.Duration
	last   []record // the last records sent, repeated when stuck
	sent   [][]byte // the signed packs sent, oldest first: what a replay plays back
	replay int      // the next of sent to play back
	next   time.Time
}

// newDevice derives a device's keys and random stream from the scenario seed, so a run
// is the same for a seed.
func newDevice(sc *Scenario, tenant string, spec Device, b *body, start time.Time) *device {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/%d", sc.Name, tenant, spec.ID, sc.Seed)))
	forged := sha256.Sum256(append(h[:], "forger"...))
	d := &device{spec: spec, tenant: tenant, body: b, start: start,
		rng:    rand.New(rand.NewPCG(sc.Seed, binary.LittleEndian.Uint64(h[:8]))),
		key:    ed25519.NewKeyFromSeed(h[:]),
		forger: ed25519.NewKeyFromSeed(forged[:]),
		topic:  "gt/v1/" + tenant + "/" + spec.ID + "/up"}
	d.next = start.Add(spec.Offset.Std())
	if spec.Offset == 0 {
		d.next = start.Add(spec.Interval.Std())
	}
	return d
}

// publicKey is the device's Ed25519 public key as the API takes it.
func (d *device) publicKey() string {
	return base64.RawURLEncoding.EncodeToString(d.key.Public().(ed25519.PublicKey))
}

// connect opens the device's MQTT session with its id and token.
func (d *device) connect(ctx context.Context, addr string) error {
	conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("device %s: connect to MQTT %s: %w", d.spec.ID, addr, err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: 30 * time.Second})
	ca, err := c.Connect(ctx, &paho.Connect{KeepAlive: 0, CleanStart: true, // the broker assigns the client id
		Username: d.spec.ID, UsernameFlag: true, Password: []byte(d.token), PasswordFlag: true})
	if err != nil {
		conn.Close()
		if ca != nil {
			return fmt.Errorf("device %s: MQTT refused the connection with reason 0x%02x: %w", d.spec.ID, ca.ReasonCode, err)
		}
		return fmt.Errorf("device %s: MQTT connect: %w", d.spec.ID, err)
	}
	d.client, d.conn = c, conn
	return nil
}

func (d *device) close() {
	if d.client != nil {
		d.client.Disconnect(&paho.Disconnect{ReasonCode: 0})
		d.conn.Close()
	}
}

// outcome is what the server answered to a pack.
type outcome struct {
	sent    bool   // a pack was published
	refused string // the PUBACK reason code and string when refused
}

// report sends the device's pack due at t, as its mode makes it.
func (d *device) report(ctx context.Context, t time.Time) (outcome, error) {
	if d.spec.Dropout > 0 && d.rng.Float64() < d.spec.Dropout {
		d.rng.Float64() // keep the stream aligned whether or not a report is lost
		return outcome{}, nil
	}
	var payload []byte
	switch d.mode {
	case "silent":
		return outcome{}, nil
	case "replay":
		if len(d.sent) == 0 {
			return outcome{}, nil
		}
		payload = d.sent[d.replay%len(d.sent)] // the recording, from its start, in a loop
		d.replay++
	default:
		recs := d.last
		if d.mode != "stuck" || recs == nil {
			var err error
			if recs, err = measure(&d.spec, d.body, t, d.start, d.rng); err != nil {
				return outcome{}, err
			}
		}
		d.last = recs
		at := t.Add(-d.skew)
		pack := senmlPack(recs, at)
		payload = pack
		if !d.spec.Unsigned || d.mode == "forge" {
			key := d.key
			if d.mode == "forge" {
				key = d.forger
			}
			d.seq++
			signed, err := ingest.Sign(key, d.spec.ID, d.seq, pack)
			if err != nil {
				return outcome{}, err
			}
			payload = signed
			if d.mode == "" {
				d.sent = append(d.sent, signed)
			}
		}
	}
	return d.publish(ctx, d.topic, payload)
}

// status publishes a status message (online, offline, power_cut, tamper).
func (d *device) status(ctx context.Context, state string) (outcome, error) {
	return d.publish(ctx, "gt/v1/"+d.tenant+"/"+d.spec.ID+"/status", []byte(`{"state":"`+state+`"}`))
}

func (d *device) publish(ctx context.Context, topic string, payload []byte) (outcome, error) {
	pr, err := d.client.Publish(ctx, &paho.Publish{QoS: 1, Topic: topic, Payload: payload})
	if pr != nil && pr.ReasonCode >= 0x80 {
		reason := ""
		if pr.Properties != nil {
			reason = pr.Properties.ReasonString
		}
		return outcome{sent: true, refused: fmt.Sprintf("0x%02x %s", pr.ReasonCode, reason)}, nil
	}
	if err != nil {
		return outcome{}, fmt.Errorf("device %s: publish: %w", d.spec.ID, err)
	}
	return outcome{sent: true}, nil
}

// change applies a behaviour change.
func (d *device) change(c *DeviceChange) {
	switch c.Do {
	case "resume":
		d.mode, d.skew = "", 0
	case "skew":
		d.mode, d.skew = "", c.Skew.Std()
	case "status":
	default:
		d.mode = c.Do
	}
}

// calibration is the device's registration: the unit of its readings and its noise.
func (d *device) registration() map[string]any {
	reg := map[string]any{"id": d.spec.ID, "kind": d.spec.Kind, "collateral_id": d.spec.Collateral,
		"interval": d.spec.Interval.Std().String()}
	if d.spec.Site != "" {
		reg["site_id"] = d.spec.Site
	}
	if m, ok := measurements[d.spec.Kind]; ok && d.body.coll.Inventory != nil {
		reg["calibration"] = map[string]any{"unit": m.unit, "noise": d.spec.Noise}
	}
	if !d.spec.Unsigned {
		reg["public_key"] = d.publicKey()
	}
	return reg
}
